import { namedTags, taskReferences } from './task-order';

describe('taskReferences', () => {
  const tasks = [
    {
      task_tag: 'pull',
      depends_on: ['login'],
      case_ingestion_config: { dependent_tasks: ['details', { task_tag: 'x' }] },
    },
    { task_tag: 'details', depends_on: ['login'] },
    { task_tag: 'login' },
  ];

  it('orders each task after the tasks it names (depends_on and dependent_tasks), keeping document order', () => {
    const refs = taskReferences(tasks, new Set(['x']), 'apps[0].tasks');
    expect(refs.order.map((i) => tasks[i].task_tag)).toEqual(['login', 'details', 'pull']);
    expect(refs.problems.size).toBe(0);
  });

  it('reports a tag neither the document nor the integration has, with its path', () => {
    const refs = taskReferences(tasks, new Set(), 'apps[2].tasks');
    expect(refs.problems.get(0)).toEqual([
      expect.objectContaining({
        code: 'unresolved_reference',
        field: 'apps[2].tasks[0].case_ingestion_config.dependent_tasks[1]',
      }),
    ]);
  });

  it('puts the tasks of a cycle last (the tasks service refuses the cycle)', () => {
    const cyclic = [{ task_tag: 'a', depends_on: ['b'] }, { task_tag: 'b', depends_on: ['a'] }, { task_tag: 'c' }];
    expect(taskReferences(cyclic, new Set(), 't').order).toEqual([2, 0, 1]);
  });

  it('reads both entry shapes of dependent_tasks and ignores others', () => {
    expect(namedTags({ case_ingestion_config: { dependent_tasks: ['a', { task_tag: 'b' }, 3, null] } })).toEqual([
      { tag: 'a', field: 'case_ingestion_config.dependent_tasks[0]' },
      { tag: 'b', field: 'case_ingestion_config.dependent_tasks[1]' },
    ]);
  });
});
