import { describeCycle, findDependencyCycle } from './dependency-cycle';

const task = (task_tag: string, ...depends_on: string[]) => ({ task_tag, depends_on });

describe('findDependencyCycle', () => {
  it('finds none in an acyclic graph (a diamond, a chain, unknown tags ignored)', () => {
    const tasks = [task('a', 'b', 'c'), task('b', 'd'), task('c', 'd'), task('d'), task('e', 'missing')];
    expect(findDependencyCycle(tasks)).toBeNull();
    expect(findDependencyCycle([])).toBeNull();
  });

  it('finds a self-dependency', () => {
    expect(findDependencyCycle([task('a'), task('b', 'b')])).toEqual(['b', 'b']);
  });

  it('finds a two-node cycle', () => {
    expect(findDependencyCycle([task('a', 'b'), task('b', 'a')])).toEqual(['a', 'b', 'a']);
  });

  it('finds a three-node cycle and names only the tags on it', () => {
    const tasks = [task('x', 'a'), task('a', 'b'), task('b', 'c'), task('c', 'a')];
    expect(findDependencyCycle(tasks)).toEqual(['a', 'b', 'c', 'a']);
  });

  it('starts at the given tag, so the cycle reads from the task being saved', () => {
    const tasks = [task('a', 'b'), task('b', 'c'), task('c', 'a')];
    expect(findDependencyCycle(tasks, 'c')).toEqual(['c', 'a', 'b', 'c']);
    expect(findDependencyCycle(tasks, 'missing')).toEqual(['a', 'b', 'c', 'a']);
  });

  it('handles a long chain without running out of stack', () => {
    const tasks = Array.from({ length: 50_000 }, (_, i) => task(`t${i}`, `t${i + 1}`));
    expect(findDependencyCycle(tasks)).toBeNull();
    tasks.push(task('t50000', 't0'));
    const cycle = findDependencyCycle(tasks, 't0');
    expect(cycle).toHaveLength(50_002);
    expect(cycle?.[0]).toBe('t0');
    expect(cycle?.at(-1)).toBe('t0');
  });

  it('describes a cycle with arrows', () => {
    expect(describeCycle(['a', 'b', 'a'])).toBe('a → b → a');
  });
});
