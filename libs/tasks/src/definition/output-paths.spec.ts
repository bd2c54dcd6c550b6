import { JSONPath } from 'jsonpath-plus';
import { jsonPathMatchesMany, jsonPathProblem } from './output-paths';

describe('jsonPathProblem', () => {
  it.each([
    '$',
    '$.data',
    '$.data.items[0].id',
    "$['odd key'].value",
    '$..id',
    '$.items[*].name',
    '$.items[0:5]',
    '$.items[0,2]',
    '$.items[?(@.severity > 3)].id',
    '$.items[?(@.a.b == 1)]',
  ])('accepts %s', (path) => {
    expect(jsonPathProblem(path)).toBeNull();
  });

  it.each([
    ['data.id', 'must start with $'],
    ['$$.id', 'single $'],
    ['$.a[', '"[" without "]"'],
    ['$.a]', '"]" without "["'],
    ["$['a", 'unclosed'],
    ['$.a.', 'ends with "."'],
    ['$.items[(@.length-1)]', 'script expressions'],
    ['$.items[?(@.x >)]', 'filter'],
    ['$.items[?(@.x]', 'filter'],
    // jsonpath-plus's own placeholder syntax: parsed as a missing step, and running it throws (was a 500).
    ['$.#0', '"#" followed by digits'],
    ['$.a#1', '"#" followed by digits'],
    ['$["#0"]', '"#" followed by digits'],
    ['$[?(@.x)].#1', '"#" followed by digits'],
  ])('refuses %s', (path, why) => {
    expect(jsonPathProblem(path)).toContain(why);
  });
});

describe('jsonPathMatchesMany', () => {
  it.each(['$..id', '$.items[*]', '$.items.*', '$.items[0:5]', '$.items[0,1]', '$.items[?(@.x)]'])(
    '%s can match several values',
    (path) => expect(jsonPathMatchesMany(path)).toBe(true),
  );

  it.each(['$', '$.a.b', '$.items[0]', "$['a b']"])('%s matches one value', (path) => {
    expect(jsonPathMatchesMany(path)).toBe(false);
  });
});

describe('jsonpath-plus caches', () => {
  it('are cleared after a bounded number of checked paths', () => {
    const clear = vi.spyOn(JSONPath, 'clearCache');
    for (let i = 0; i < 4000; i++) jsonPathProblem(`$.field_${i}`);
    expect(clear.mock.calls.length).toBeGreaterThanOrEqual(1);
    expect(clear.mock.calls.length).toBeLessThanOrEqual(2);
    clear.mockRestore();
  });
});
