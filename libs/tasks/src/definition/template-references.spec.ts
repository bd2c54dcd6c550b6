import { scanTemplates, templateReferences, unknownReferences } from './template-references';

const names = {
  input: new Set(['host', 'query']),
  instance: new Set(['region']),
  credentials: new Set(['token', 'api_key']),
  deps: new Set(['login']),
};

describe('templateReferences', () => {
  it('lists references in nested body values with their location', () => {
    const body = {
      search: '{{input.query}}',
      filters: [{ host: 'h-{{ input.host }}' }, { region: ['{{instance.region}}', 'x'] }],
      auth: { key: '{{credentials.api_key}}' },
      n: 3,
      none: null,
    };
    expect(templateReferences(body, 'request.body').map((r) => [r.field, r.root, r.name])).toEqual([
      ['request.body.search', 'input', 'query'],
      ['request.body.filters[0].host', 'input', 'host'],
      ['request.body.filters[1].region[0]', 'instance', 'region'],
      ['request.body.auth.key', 'credentials', 'api_key'],
    ]);
  });

  it('reads nested paths, bracket steps, several templates per string and the seed’s leading dot', () => {
    const refs = templateReferences(
      '/a/{{input.host.name}}/{{ input["query"][0] }}/{{.instance.region}}/{{input["in"]}}',
    );
    expect(refs.map((r) => [r.root, r.name, r.steps])).toEqual([
      ['input', 'host', ['host', 'name']],
      ['input', 'query', ['query', 0]],
      ['instance', 'region', ['region']],
      ['input', 'in', ['in']],
    ]);
  });

  it('finds nothing in text without templates', () => {
    expect(scanTemplates({ a: 'plain { text }', b: [1, true] })).toEqual({ references: [], errors: [] });
  });
});

describe('scanTemplates problems', () => {
  const codes = (value: unknown) => scanTemplates(value, 'v').errors.map((e) => [e.field, e.code]);

  it.each([
    ['{{input.host', 'unclosed'],
    ['input.host}}', 'stray close'],
    ['{{}}', 'empty'],
    ['{{ input.host + "x" }}', 'an expression'],
    ['{{size(input.host)}}', 'a function call'],
    ['{{input}}', 'a root alone'],
    ['{{input[0]}}', 'an index as field name'],
    ['{{credentials.token.x}}', 'a path into a credential'],
    ['{{ {{input.host}} }}', 'nested'],
    ['{{input.in}}', 'a CEL reserved word after a dot'],
    ['{{deps.login}}', 'a dependency without its output field'],
  ])('%s is invalid_template (%s)', (text) => {
    const found = codes(text);
    expect(found.length).toBeGreaterThan(0);
    expect(new Set(found.map(([field, code]) => `${field} ${code}`))).toEqual(new Set(['v invalid_template']));
    expect(scanTemplates(text).references).toEqual([]);
  });

  it('another root is unknown_reference', () => {
    const { errors } = scanTemplates('{{trigger_data.x}}', 'v');
    expect(errors).toEqual([expect.objectContaining({ field: 'v', code: 'unknown_reference' })]);
    expect(errors[0].message).toContain('"trigger_data" is not a reference root');
  });

  it('refuses templates in object keys', () => {
    expect(codes({ '{{input.host}}': 'x' })).toEqual([['v.{{input.host}}', 'invalid_template']]);
  });

  it('refuses values nested too deep to check, once', () => {
    let deep: unknown = '{{input.host}}';
    for (let i = 0; i < 70; i++) deep = [deep];
    const { errors } = scanTemplates({ a: deep, b: deep }, 'v');
    expect(errors.map((e) => e.code)).toEqual(['out_of_range']);
    expect(scanTemplates([[['{{input.host}}']]]).errors).toEqual([]);
  });

  it('reports every bad string, not only the first', () => {
    expect(codes({ a: '{{x', b: ['{{}}'] })).toEqual([
      ['v.a', 'invalid_template'],
      ['v.b[0]', 'invalid_template'],
    ]);
  });
});

describe('unknownReferences', () => {
  it('accepts references to existing names, whatever follows the first step', () => {
    const refs = templateReferences(['{{input.host.a.b}}', '{{instance.region}}', '{{credentials.token}}']);
    expect(unknownReferences(refs, names)).toEqual([]);
  });

  it('reads a dependency of depends_on, by tag then output field', () => {
    const refs = templateReferences(['{{deps.login.session}}', '{{deps["login"].a.b}}', '{{deps.logout.x}}']);
    expect(refs.map((r) => [r.root, r.name, r.steps])).toEqual([
      ['deps', 'login', ['login', 'session']],
      ['deps', 'login', ['login', 'a', 'b']],
      ['deps', 'logout', ['logout', 'x']],
    ]);
    const errors = unknownReferences(refs, names);
    expect(errors.map((e) => [e.field, e.code])).toEqual([['[2]', 'unknown_reference']]);
    expect(errors[0].message).toContain('"logout" is not in the task\'s depends_on (known: login)');
  });

  it('names each unknown field or credential with the known ones', () => {
    const refs = templateReferences({ a: '{{input.hots}}', b: '{{instance.zone}}', c: '{{credentials.password}}' });
    const errors = unknownReferences(refs, names);
    expect(errors.map((e) => [e.field, e.code])).toEqual([
      ['a', 'unknown_reference'],
      ['b', 'unknown_reference'],
      ['c', 'unknown_reference'],
    ]);
    expect(errors[0].message).toContain('no field named "hots" (known: host, query)');
    expect(errors[2].message).toContain('no credential named "password"');
  });
});
