import { describe, expect, it } from 'vitest';
import { OrderedTask, dependencyOrder } from './dependency-order';

const t = (task_tag: string, depends_on: string[] = [], execution_order = 0, task_id = 1): OrderedTask => ({
  task_tag,
  depends_on,
  execution_order,
  task_id,
});
const tags = (r: ReturnType<typeof dependencyOrder>) => (r.ok ? r.order.map((x) => x.task_tag) : r);

describe('dependencyOrder', () => {
  it('runs nothing first for a task without dependencies', () => {
    expect(tags(dependencyOrder(t('a'), [t('a'), t('b')]))).toEqual([]);
  });

  it('runs the whole closure, each once, a task after what it depends on', () => {
    const all = [t('main', ['c', 'b']), t('b', ['d'], 0, 2), t('c', ['d'], 0, 3), t('d', [], 0, 4), t('unrelated')];
    expect(tags(dependencyOrder(all[0], all))).toEqual(['d', 'b', 'c']);
  });

  it('orders tasks free to go by execution_order, then by task_id', () => {
    const all = [t('main', ['x', 'y', 'z']), t('x', [], 5, 1), t('y', [], 1, 3), t('z', [], 1, 2)];
    expect(tags(dependencyOrder(all[0], all))).toEqual(['z', 'y', 'x']);
  });

  it('reports dependencies that no longer exist', () => {
    expect(dependencyOrder(t('main', ['gone', 'b']), [t('main'), t('b', ['also_gone'])])).toEqual({
      ok: false,
      missing: expect.arrayContaining(['gone', 'also_gone']),
      cycle: false,
    });
  });

  it('reports a cycle instead of looping', () => {
    const all = [t('main', ['a']), t('a', ['b']), t('b', ['a'])];
    expect(dependencyOrder(all[0], all)).toEqual({ ok: false, missing: [], cycle: true });
    const back = [t('main', ['a']), t('a', ['main'])];
    expect(dependencyOrder(back[0], back)).toEqual({ ok: false, missing: [], cycle: true });
  });
});
