import {
  caseIngestionDependentTasks,
  caseIngestionTaskTags,
  checkCaseIngestionTasks,
  itemSelectorProblem,
} from './case-ingestion-references';
import { TaskDefinitionErrors } from './verification';

const known = new Map<string, ReadonlySet<string> | undefined>([
  ['alert_details', new Set(['alert_id', 'verbose'])],
  ['host_info', new Set(['host'])],
  ['legacy', undefined], // input names unknown: not checked
]);

function check(dependent_tasks: unknown, tag = 'pull_alerts'): [string, string][] {
  const errors = new TaskDefinitionErrors();
  checkCaseIngestionTasks({ dependent_tasks }, tag, known, errors);
  return errors.list.map((e) => [e.field, e.code]);
}

const AT = 'case_ingestion_config.dependent_tasks';

describe('checkCaseIngestionTasks', () => {
  it('accepts tags, objects with input and on_error, and no dependent tasks', () => {
    expect(check(undefined)).toEqual([]);
    expect(check(null)).toEqual([]);
    expect(check([])).toEqual([]);
    expect(
      check([
        'host_info',
        { task_tag: 'alert_details', input: { alert_id: '$.id', verbose: 'item.level == "high"' }, on_error: 'fail' },
        { task_tag: 'legacy', input: { anything: '$.x' } },
      ]),
    ).toEqual([]);
  });

  it('keeps the codes of the tag checks', () => {
    expect(check('alert_details')).toEqual([[AT, 'invalid_type']]);
    expect(check([7])).toEqual([[`${AT}[0]`, 'invalid_type']]);
    expect(check(['nope'])).toEqual([[`${AT}[0]`, 'unknown_dependency']]);
    expect(check(['host_info', { task_tag: 'host_info' }])).toEqual([[`${AT}[1]`, 'duplicate_dependency']]);
    expect(check(['pull_alerts'])).toEqual([[`${AT}[0]`, 'invalid_value']]);
    expect(check(Array.from({ length: 11 }, () => 'host_info'))).toEqual([[AT, 'out_of_range']]);
  });

  it('names the key of an object entry: task_tag, unknown keys, on_error, input', () => {
    expect(check([{}])).toEqual([[`${AT}[0].task_tag`, 'required']]);
    expect(check([{ task_tag: 3 }])).toEqual([[`${AT}[0].task_tag`, 'invalid_type']]);
    expect(check([{ task_tag: 'host_info', per_item: true }])).toEqual([[`${AT}[0].per_item`, 'unknown_key']]);
    expect(check([{ task_tag: 'host_info', on_error: 'retry' }])).toEqual([[`${AT}[0].on_error`, 'invalid_value']]);
    expect(check([{ task_tag: 'host_info', input: ['$.host'] }])).toEqual([[`${AT}[0].input`, 'invalid_type']]);
    expect(check([{ task_tag: 'host_info', input: { hostname: '$.host' } }])).toEqual([
      [`${AT}[0].input.hostname`, 'unknown_input'],
    ]);
    expect(check([{ task_tag: 'host_info', input: { host: 1 } }])).toEqual([[`${AT}[0].input.host`, 'invalid_type']]);
  });

  it('checks selectors: JSONPath over the item or CEL naming item only', () => {
    const selector = (s: string) => check([{ task_tag: 'host_info', input: { host: s } }]);
    expect(selector('$.host')).toEqual([]);
    expect(selector('item.host + ".corp"')).toEqual([]);
    for (const bad of ['$.host[', '$.#0', '$.a[(@.length-1)]', 'item.(', 'case.host', '', '   ', 'x'.repeat(2001)])
      expect(selector(bad), bad).toEqual([[`${AT}[0].input.host`, 'invalid_selector']]);
  });

  it('reports every problem of every entry', () => {
    expect(check([{ task_tag: 'nope', x: 1, input: { a: '$[' } }, 'host_info', 'host_info'])).toEqual([
      [`${AT}[0]`, 'unknown_dependency'],
      [`${AT}[0].x`, 'unknown_key'],
      [`${AT}[0].input.a`, 'invalid_selector'],
      [`${AT}[2]`, 'duplicate_dependency'],
    ]);
  });
});

describe('caseIngestionDependentTasks', () => {
  it('fills the defaults: no input, on_error skip', () => {
    const config = {
      dependent_tasks: ['a', { task_tag: 'b', input: { x: '$.x' }, on_error: 'fail' }, { task_tag: 'c' }, 5],
    };
    expect(caseIngestionDependentTasks(config)).toEqual([
      { task_tag: 'a', input: {}, on_error: 'skip' },
      { task_tag: 'b', input: { x: '$.x' }, on_error: 'fail' },
      { task_tag: 'c', input: {}, on_error: 'skip' },
    ]);
    expect(caseIngestionTaskTags(config)).toEqual(['a', 'b', 'c']);
    expect(caseIngestionDependentTasks(null)).toEqual([]);
    expect(caseIngestionDependentTasks({})).toEqual([]);
  });
});

describe('itemSelectorProblem', () => {
  it('answers null for a usable selector', () => {
    expect(itemSelectorProblem('$.a.b[0]')).toBeNull();
    expect(itemSelectorProblem('string(item.a)')).toBeNull();
  });
});
