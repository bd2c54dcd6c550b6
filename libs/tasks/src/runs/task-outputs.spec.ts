import type { TaskOutputField } from '../definition';
import { extractOutputs } from './task-outputs';

const field = (name: string, path: string, type: TaskOutputField['type'], is_array = false): TaskOutputField => ({
  name,
  path,
  type,
  is_array,
});

describe('extractOutputs', () => {
  const body = {
    meta: { total: 3, ok: true, label: 'alerts', none: null },
    data: [
      { id: 'a', score: 1 },
      { id: 'b', score: 5 },
      { id: 'c', score: 9 },
    ],
  };

  it('takes the first match of a single-value field and every match of an is_array field', () => {
    const result = extractOutputs(
      [
        field('total', '$.meta.total', 'number'),
        field('ok', '$.meta.ok', 'boolean'),
        field('label', '$.meta.label', 'string'),
        field('meta', '$.meta', 'object'),
        field('first_id', '$.data[*].id', 'string'),
        field('ids', '$.data[*].id', 'string', true),
        field('high', '$.data[?(@.score > 4)]', 'object', true),
        field('rows', '$.data', 'array'),
        field('whole', '$', 'any'),
      ],
      body,
    );
    expect(result.problems).toEqual([]);
    expect(result.outputs).toMatchObject({
      total: 3,
      ok: true,
      label: 'alerts',
      first_id: 'a',
      ids: ['a', 'b', 'c'],
      high: [body.data[1], body.data[2]],
      rows: body.data,
      whole: body,
    });
    // The longest of ids (3), high (2), rows (3): one set of records, not their sum.
    expect(result.records_processed).toBe(3);
  });

  it('gives null for a path that matches nothing (or a JSON null), [] for an is_array one', () => {
    const result = extractOutputs(
      [
        field('gone', '$.meta.gone', 'string'),
        field('none', '$.meta.none', 'number'),
        field('nothing', '$.nothing[*]', 'string', true),
        field('list', '$.nothing', 'array', true),
      ],
      body,
    );
    expect(result).toEqual({
      outputs: { gone: null, none: null, nothing: [], list: [] },
      records_processed: 0,
      problems: [],
    });
  });

  it('is_array with a single-match path gives the array it matches', () => {
    const result = extractOutputs([field('rows', '$.data', 'array', true)], body);
    expect(result.outputs.rows).toEqual(body.data);
    expect(result.records_processed).toBe(3);
    expect(extractOutputs([field('rows', '$.meta', 'any', true)], body).problems).toEqual([
      { field: 'rows', message: 'rows: expected a list, got an object' },
    ]);
  });

  it('coerces nothing: each mismatch is a problem naming the types, not the value', () => {
    const result = extractOutputs(
      [
        field('total', '$.meta.label', 'number'),
        field('ok', '$.meta.total', 'boolean'),
        field('meta', '$.data', 'object'),
        field('rows', '$.meta', 'array'),
        field('scores', '$.data[*].id', 'number', true),
      ],
      body,
    );
    expect(result.outputs).toEqual({});
    expect(result.problems.map((p) => p.message)).toEqual([
      'total: expected a number, got a string',
      'ok: expected a boolean, got a number',
      'meta: expected an object, got an array',
      'rows: expected an array, got an object',
      'scores: match 0: expected a number, got a string',
    ]);
  });

  it('reads a body that is not an object, and refuses values that cannot be stored', () => {
    expect(extractOutputs([field('n', '$', 'number')], 42).outputs).toEqual({ n: 42 });
    expect(extractOutputs([field('items', '$[*]', 'string', true)], ['x', 'y']).outputs).toEqual({ items: ['x', 'y'] });
    expect(extractOutputs([field('s', '$.s', 'string')], { s: 'a\u0000b' }).problems).toEqual([
      { field: 's', message: 's: the value cannot be stored (nul character)' },
    ]);
  });
});
