import { checkFieldDefinitions } from './field-definitions';
import { checkFields, toJsonSchema, validateValues } from './field-schema';
import type { FieldDefinition } from './field-definitions';

const DEFS: FieldDefinition[] = [
  { name: 'host', label: 'Host', type: 'url', required: true },
  { name: 'port', label: 'Port', type: 'number', required: false, validation: { min: 1, max: 65535 } },
  { name: 'tls', label: 'TLS', type: 'boolean', required: false, default: true },
  { name: 'region', label: 'Region', type: 'select', required: true, options: ['eu', 'us'] },
  { name: 'scopes', label: 'Scopes', type: 'multiselect', required: false, options: ['read', 'write'] },
  {
    name: 'tenant',
    label: 'Tenant',
    type: 'text',
    required: false,
    validation: { pattern: '^[a-z]+$', max_length: 8 },
  },
  { name: 'api_key', label: 'API key', type: 'secret', required: false },
  { name: 'extra', label: 'Extra', type: 'json', required: false },
];

describe('checkFieldDefinitions', () => {
  it('keeps a safe pattern', () => {
    const { definitions, problems } = checkFields([
      { name: 'code', label: 'Code', type: 'text', validation: { pattern: '^[A-Z]{3}-\\d{4}$' } },
    ]);
    expect(problems).toEqual([]);
    expect(definitions[0].validation).toEqual({ pattern: '^[A-Z]{3}-\\d{4}$' });
  });

  it('accepts good definitions and defaults required to false', () => {
    const { definitions, problems } = checkFields([{ name: 'host', label: 'Host', type: 'text' }]);
    expect(problems).toEqual([]);
    expect(definitions).toEqual([{ name: 'host', label: 'Host', type: 'text', required: false }]);
  });

  it.each([
    ['not a list', {}, 'fields', 'not_a_list'],
    ['a bad name', [{ name: '1abc', type: 'text' }], 'fields[0].name', 'invalid_name'],
    ['an unknown type', [{ name: 'a', type: 'date' }], 'a.type', 'invalid_type'],
    ['a select without options', [{ name: 'a', type: 'select' }], 'a.options', 'invalid_options'],
    ['options on text', [{ name: 'a', type: 'text', options: ['x'] }], 'a.options', 'options_not_allowed'],
    [
      'a pattern that does not compile',
      [{ name: 'a', type: 'text', validation: { pattern: '(' } }],
      'a.validation.pattern',
      'invalid_pattern',
    ],
    [
      'a pattern that backtracks exponentially',
      [{ name: 'a', type: 'text', validation: { pattern: '^(a+)+$' } }],
      'a.validation.pattern',
      'unsafe_pattern',
    ],
    [
      'min above max',
      [{ name: 'a', type: 'number', validation: { min: 5, max: 1 } }],
      'a.validation.min',
      'invalid_bound',
    ],
    [
      'min on text',
      [{ name: 'a', type: 'text', validation: { min: 1 } }],
      'a.validation.min',
      'validation_not_allowed',
    ],
    ['an unknown key', [{ name: 'a', type: 'text', colour: 'red' }], 'a.colour', 'unknown_key'],
    [
      'a duplicate name',
      [
        { name: 'a', type: 'text' },
        { name: 'A', type: 'number' },
      ],
      'A',
      'duplicate_name',
    ],
    ['a default of the wrong type', [{ name: 'a', type: 'number', default: 'x' }], 'a.default', 'invalid_default'],
    [
      'a default outside the options',
      [{ name: 'a', type: 'select', options: ['x'], default: 'y' }],
      'a.default',
      'invalid_default',
    ],
    [
      'a secret with a default',
      [{ name: 'a', type: 'secret', default: 'hunter2' }],
      'a.default',
      'default_not_allowed',
    ],
  ])('refuses %s, naming the field', (_label, input, field, code) => {
    const { problems } = checkFields(input);
    expect(problems).toContainEqual(expect.objectContaining({ field, code }));
  });

  it('names every problem, not just the first', () => {
    const { problems } = checkFieldDefinitions([
      { name: 'a', type: 'select' },
      { name: 'b', type: 'nope' },
    ]);
    expect(problems.map((p) => p.field)).toEqual(['a.options', 'b.type']);
  });
});

describe('toJsonSchema', () => {
  it('gives a draft 2020-12 object schema with every field and the required ones', () => {
    const schema = toJsonSchema(DEFS);
    expect(schema).toMatchObject({
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      type: 'object',
      required: ['host', 'region'],
      additionalProperties: false,
      properties: {
        host: { type: 'string', format: 'uri', title: 'Host' },
        port: { type: 'number', minimum: 1, maximum: 65535 },
        tls: { type: 'boolean', default: true },
        region: { type: 'string', enum: ['eu', 'us'] },
        scopes: { type: 'array', items: { type: 'string', enum: ['read', 'write'] }, uniqueItems: true },
        tenant: { type: 'string', pattern: '^[a-z]+$', maxLength: 8 },
        api_key: { type: 'string', writeOnly: true },
        extra: { title: 'Extra' },
      },
    });
  });
});

describe('validateValues', () => {
  it('accepts valid values', () => {
    expect(
      validateValues(DEFS, {
        host: 'https://siem.example.com',
        port: 443,
        region: 'eu',
        scopes: ['read'],
        tenant: 'acme',
        extra: { any: [1] },
      }),
    ).toEqual([]);
  });

  it('names each wrong field with a code', () => {
    const problems = validateValues(DEFS, {
      host: 'not a url',
      port: 70000,
      tls: 'yes',
      scopes: ['delete'],
      tenant: 'ACME',
      other: 1,
    });
    const got = problems.map((p) => [p.field, p.code]);
    expect(got).toEqual(
      expect.arrayContaining([
        ['host', 'invalid_format'],
        ['port', 'out_of_range'],
        ['tls', 'invalid_type'],
        ['region', 'required'],
        ['scopes', 'not_an_option'],
        ['tenant', 'pattern_mismatch'],
        ['other', 'unknown_field'],
      ]),
    );
  });

  it('refuses values that are not an object', () => {
    expect(validateValues(DEFS, [1])).toEqual([
      { field: 'values', code: 'invalid_type', message: 'values must be an object' },
    ]);
  });
});
