import {
  MAX_INPUT_DEPTH,
  findInputProblem,
  findRefusedInput,
  formatInputPath,
  storableText,
  textProblem,
} from './unstorable-input';

const nested = (depth: number): unknown => {
  let value: unknown = 'leaf';
  for (let i = 0; i < depth; i += 1) value = [value];
  return value;
};

describe('textProblem', () => {
  it.each([
    ['a NUL', 'a\u0000b', 'nul_character'],
    ['a lone high surrogate', 'a\ud800', 'unpaired_surrogate'],
    ['a lone high surrogate before text', '\ud800b', 'unpaired_surrogate'],
    ['a lone low surrogate', '\udc00', 'unpaired_surrogate'],
    ['a pair in the wrong order', '\udc00\ud800', 'unpaired_surrogate'],
    ['two high surrogates then a low one', '\ud800\ud800\udc00', 'unpaired_surrogate'],
  ])('finds %s', (_what, text, kind) => {
    expect(textProblem(text)).toBe(kind);
  });

  it.each([
    ['plain text', 'hello'],
    ['an emoji', 'ok \ud83d\ude00'],
    ['other control characters', '\u0001\t\n\u007f'],
    ['an escaped NUL as text', '\\u0000'],
    ['empty', ''],
  ])('accepts %s', (_what, text) => {
    expect(textProblem(text)).toBeNull();
  });
});

describe('storableText', () => {
  it('replaces NUL characters and unpaired surrogates with U+FFFD and keeps the rest', () => {
    expect(storableText('a\u0000b\ud800c\ud83d\ude00\udc00')).toBe('a\ufffdb\ufffdc\ud83d\ude00\ufffd');
    const clean = 'evt_123';
    expect(storableText(clean)).toBe(clean);
  });
});

describe('findInputProblem', () => {
  it('accepts ordinary JSON and scalars', () => {
    expect(findInputProblem({ a: [1, 'x', null, true, { b: 'ok \ud83d\ude00' }] })).toBeNull();
    for (const scalar of [undefined, null, 1, true, 'text']) expect(findInputProblem(scalar)).toBeNull();
  });

  it('names the path of the first unstorable value or key', () => {
    expect(findInputProblem({ app_name: 'a\u0000b' })).toEqual({ kind: 'nul_character', path: ['app_name'] });
    expect(findInputProblem({ payload: { note: ['ok', 'x\ud800'] } })).toEqual({
      kind: 'unpaired_surrogate',
      path: ['payload', 'note', 1],
    });
    expect(findInputProblem({ payload: { a: { 'k\u0000': 1 } } })).toEqual({
      kind: 'nul_character',
      path: ['payload', 'a', 'k\u0000'],
    });
    expect(findInputProblem('\u0000')).toEqual({ kind: 'nul_character', path: [] });
    expect(findInputProblem(['fine', ['\udc00']])).toEqual({ kind: 'unpaired_surrogate', path: [1, 0] });
    expect(findInputProblem(JSON.parse('{"payload":{"total":1e400}}'))).toEqual({
      kind: 'number_out_of_range',
      path: ['payload', 'total'],
    });
    expect(findInputProblem(JSON.parse('[-1e999]'))).toEqual({ kind: 'number_out_of_range', path: [0] });
    expect(findInputProblem(1.7e308)).toBeNull();
  });

  it('works on objects without a prototype (query strings)', () => {
    const query = Object.assign(Object.create(null) as Record<string, unknown>, { event_name: '\u0000' });
    expect(findInputProblem(query)).toEqual({ kind: 'nul_character', path: ['event_name'] });
  });

  it(`accepts ${MAX_INPUT_DEPTH} levels of containers and refuses one more, at the container that is too deep`, () => {
    expect(findInputProblem(nested(MAX_INPUT_DEPTH))).toBeNull();
    expect(findInputProblem(nested(MAX_INPUT_DEPTH + 1))).toEqual({
      kind: 'too_deep',
      path: Array(MAX_INPUT_DEPTH).fill(0),
    });
    expect(findInputProblem({ a: { b: {} } }, 2)).toEqual({ kind: 'too_deep', path: ['a', 'b'] });
    expect(findInputProblem({ a: { b: 'leaf' } }, 2)).toBeNull();
  });

  it('walks without recursion, so no depth overflows the stack', () => {
    let deep: unknown = 'leaf';
    for (let i = 0; i < 200_000; i += 1) deep = { a: deep };
    expect(findInputProblem(deep, 1_000_000)).toBeNull();
    expect(findInputProblem(deep)?.kind).toBe('too_deep');
  });

  it('stays cheap on a wide body', () => {
    const wide = { items: Array.from({ length: 20_000 }, (_, i) => ({ id: `item_${i}`, tags: ['a', 'b'], n: i })) };
    const started = performance.now();
    expect(findInputProblem(wide)).toBeNull();
    expect(performance.now() - started).toBeLessThan(500);
  });
});

describe('formatInputPath', () => {
  it('reads like a property path, with odd keys quoted and escaped', () => {
    expect(formatInputPath(['payload', 'items', 2, 'name'])).toBe('payload.items[2].name');
    expect(formatInputPath([0, 'a'])).toBe('[0].a');
    expect(formatInputPath(['payload', 'k\u0000'])).toBe('payload["k\\u0000"]');
    expect(formatInputPath(['payload', '\ud800'])).toBe('payload["\\ud800"]');
    expect(formatInputPath([])).toBe('');
  });

  it('shortens long keys and long paths', () => {
    expect(formatInputPath(['x'.repeat(100)])).toBe(`["${'x'.repeat(40)}…"]`);
    expect(formatInputPath(Array(500).fill(0)).length).toBeLessThanOrEqual(201);
  });
});

describe('findRefusedInput', () => {
  it('finds what findInputProblem finds', () => {
    expect(findRefusedInput({ a: ['\u0000'] })).toEqual({ kind: 'nul_character', path: ['a', 0] });
    expect(findRefusedInput(nested(MAX_INPUT_DEPTH + 1))?.kind).toBe('too_deep');
  });

  it('refuses __proto__, constructor and prototype as keys at any depth; findInputProblem stores them', () => {
    const parsed = JSON.parse('{"a": [{"b": {"__proto__": {"polluted": true}}}]}') as unknown;
    expect(findRefusedInput(parsed)).toEqual({ kind: 'reserved_key', path: ['a', 0, 'b', '__proto__'] });
    expect(findRefusedInput({ constructor: 1 })).toEqual({ kind: 'reserved_key', path: ['constructor'] });
    expect(findRefusedInput({ x: { prototype: null } })).toEqual({ kind: 'reserved_key', path: ['x', 'prototype'] });
    // The validation pipe drops keys an object already has as methods, so every Object.prototype name is refused.
    for (const key of [
      'toString',
      'valueOf',
      'hasOwnProperty',
      'isPrototypeOf',
      'propertyIsEnumerable',
      'toLocaleString',
      '__defineGetter__',
      '__lookupSetter__',
    ]) {
      expect(findRefusedInput({ payload: { [key]: 1 } })).toEqual({ kind: 'reserved_key', path: ['payload', key] });
    }
    expect(findRefusedInput({ payload: { tostring: 1, to_string: 2, valueof: 3 } })).toBeNull();
    expect(findRefusedInput({ note: 'constructor', list: ['prototype'], __proto: 1, Prototype: 2 })).toBeNull();
    expect(findInputProblem(parsed)).toBeNull();
  });

  it('refuses whole numbers beyond 2^53 - 1, whatever their notation; findInputProblem stores them', () => {
    const parsed = JSON.parse('{"order": {"id": 12345678901234567890}}') as unknown;
    expect(findRefusedInput(parsed)).toEqual({ kind: 'unsafe_integer', path: ['order', 'id'] });
    expect(findRefusedInput([2 ** 53])).toEqual({ kind: 'unsafe_integer', path: [0] });
    expect(findRefusedInput(-(2 ** 53))).toEqual({ kind: 'unsafe_integer', path: [] });
    expect(findRefusedInput({ n: 1e21 })?.kind).toBe('unsafe_integer');
    expect(
      findRefusedInput({
        a: Number.MAX_SAFE_INTEGER,
        b: Number.MIN_SAFE_INTEGER,
        c: 0.5,
        d: 1.7976931348623157e-300,
        e: 4503599627370495.5,
      }),
    ).toBeNull();
    expect(findInputProblem(parsed)).toBeNull();
  });
});
