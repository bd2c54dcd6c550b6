// fast-check arbitraries for the values a careless or hostile client sends: wrong types, edge numbers, empty, huge and
// oddly encoded strings, keys that mean something to JavaScript, deep nesting.
import fc from 'fast-check';

/** Keys that reach prototype machinery when code copies objects carelessly. */
export const PROTOTYPE_KEYS = [
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  '__defineGetter__',
];

const ODD_UNICODE = [
  '\u0000',
  'a\u0000b',
  '\ud800',
  '\udc00x',
  '\udc00\ud800',
  '\u202eevil\u202c',
  '\u200b',
  '\u200b\u200c\u200d\ufeff',
  '\ufeff{}',
  '\ud83d\ude00\ud83d\udc69\u200d\ud83d\udc69\u200d\ud83d\udc67',
  'e\u0301\u0301\u0301\u0301',
  '\u0007\u001b[31m',
  '\r\n\t',
  '\uffff\ufffe',
  '\u2028\u2029',
  '\u0130\u0131\u00df',
  '\u{10ffff}',
];

const TRICKY_STRINGS = [
  '',
  ' ',
  '   \t ',
  'null',
  'undefined',
  'true',
  'NaN',
  'Infinity',
  '-Infinity',
  '-1',
  '0',
  '1e400',
  '-0',
  '0x10',
  '9007199254740993',
  '1.5',
  "' OR 1=1 --",
  '"; DROP TABLE tenants; --',
  '{{constructor.constructor}}',
  '${7*7}',
  '../../etc/passwd',
  '%00',
  '%',
  '<script>alert(1)</script>',
  '$where',
  '{"$gt":""}',
  '*',
  '.',
  'a.b.c',
  '[]',
  '{}',
  '00000000-0000-0000-0000-000000000000',
  'FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF',
  '{0193a6b2-7c1d-7e4f-9a55-3b2f6c1d2e3f}',
  '0193a6b2-7c1d-7e4f-9a55-3b2f6c1d2e3',
  '2026-02-30T00:00:00Z',
  '0000-01-01T00:00:00Z',
  '1969-12-31T23:59:59Z',
  '9999-12-31T23:59:59.999999Z',
  '+275760-09-13T00:00:00Z',
  '2026-11-23T25:61:61Z',
  '2026-11-23T12:00:00+25:00',
  'http://127.0.0.1:1/',
  'http://user:pass@example.com/',
  'file:///etc/passwd',
  'javascript:alert(1)',
  'ftp://example.com/',
  'https://[::1]/',
  'https://example.com/' + 'a'.repeat(3000),
  '10.0.0.0/33',
  '::/129',
  'not an email',
  'a@b',
  '@',
];

const EDGE_NUMBERS = [
  0,
  -0,
  -1,
  1,
  0.5,
  -0.000001,
  2 ** 31,
  2 ** 31 - 1,
  -(2 ** 31) - 1,
  2 ** 53,
  2 ** 53 + 2,
  -(2 ** 53) - 2,
  1e21,
  -1e300,
  Number.MAX_VALUE,
  Number.MIN_VALUE,
  Number.MAX_SAFE_INTEGER,
  Number.MIN_SAFE_INTEGER,
];

/**
 * A string: empty, whitespace, numeric- or keyword-looking, injection-looking, odd Unicode, random Unicode, long, or
 * huge (`hugeLength` characters, near the body limit; rare).
 */
export function hostileString(hugeLength: number): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...TRICKY_STRINGS) },
    { weight: 5, arbitrary: fc.constantFrom(...ODD_UNICODE) },
    {
      weight: 3,
      arbitrary: fc
        .tuple(fc.string({ maxLength: 6 }), fc.constantFrom(...ODD_UNICODE), fc.string({ maxLength: 6 }))
        .map((p) => p.join('')),
    },
    { weight: 4, arbitrary: fc.string({ unit: 'binary', maxLength: 24 }) },
    {
      weight: 2,
      arbitrary: fc.string({
        unit: fc.constantFrom('\u0000', '\ud800', '\udfff', 'a', '\u202e', '\ud83d'),
        maxLength: 8,
      }),
    },
    { weight: 2, arbitrary: fc.integer({ min: 250, max: 5000 }).map((n) => 'x'.repeat(n)) },
    { weight: 1, arbitrary: fc.integer({ min: 300, max: 1200 }).map((n) => '\ud83d\ude00'.repeat(n)) },
    { weight: 1, arbitrary: fc.constantFrom(hugeLength - 200, hugeLength + 64).map((n) => 'z'.repeat(Math.max(n, 1))) },
  );
}

export const hostileNumber: fc.Arbitrary<number> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...EDGE_NUMBERS) },
  { weight: 1, arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true }) },
  { weight: 1, arbitrary: fc.integer() },
);

/** Objects and arrays nested `depth` levels, alternating, with a leaf at the bottom. */
export function nestedValue(depth: number, leaf: unknown): unknown {
  let value = leaf;
  for (let i = 0; i < depth; i += 1) value = i % 2 === 0 ? [value] : { a: value };
  return value;
}

/** Sets an own property even for `__proto__` (a plain assignment would change the prototype instead). */
export function withOwnKey(target: Record<string, unknown>, key: string, value: unknown): Record<string, unknown> {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  return target;
}

/** A key for an extra, unknown field: prototype-ish, odd Unicode, empty, or random. */
export const hostileKey: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...PROTOTYPE_KEYS) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      '',
      ' ',
      '$where',
      '$gt',
      'a.b',
      '0',
      'id',
      'tenant_id',
      'created_at',
      '\u202e',
      '\u200b',
      '\ud800',
      '\u0000',
    ),
  },
  { weight: 2, arbitrary: fc.string({ maxLength: 12 }) },
);

/** A value of any JSON type that is probably wrong where it lands: `ids` are real ids to mix in. */
export function hostileValue(ids: readonly string[], hugeLength: number): fc.Arbitrary<unknown> {
  const leaf = fc.oneof(
    { weight: 4, arbitrary: fc.constant(null) },
    { weight: 6, arbitrary: hostileString(hugeLength) },
    { weight: 4, arbitrary: hostileNumber },
    { weight: 2, arbitrary: fc.boolean() },
    { weight: 2, arbitrary: ids.length ? fc.constantFrom(...ids) : fc.uuid() },
    { weight: 1, arbitrary: fc.uuid() },
  );
  return fc.oneof(
    { weight: 10, arbitrary: leaf },
    { weight: 2, arbitrary: fc.constantFrom<unknown>([], {}, [null], [[]], [{}], { '': null }) },
    { weight: 2, arbitrary: fc.array(leaf, { maxLength: 4 }) },
    { weight: 1, arbitrary: fc.integer({ min: 500, max: 3000 }).map((n) => Array.from({ length: n }, (_, i) => i)) },
    { weight: 2, arbitrary: fc.tuple(hostileKey, leaf).map(([k, v]) => withOwnKey({}, k, v)) },
    { weight: 2, arbitrary: fc.tuple(fc.integer({ min: 2, max: 80 }), leaf).map(([d, v]) => nestedValue(d, v)) },
  );
}
