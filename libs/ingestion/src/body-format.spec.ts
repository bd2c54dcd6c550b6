import { bodyFormatRefusal, isJsonContentType, withoutBom } from './body-format';

describe('isJsonContentType', () => {
  it.each([
    'application/json',
    'application/json; charset=utf-8',
    'Application/JSON',
    ' application/json ;charset=utf-8',
    'text/json',
    'application/vnd.api+json',
    'application/problem+json; charset=utf-8',
  ])('takes %j as JSON', (contentType) => {
    expect(isJsonContentType(contentType)).toBe(true);
  });

  it.each([
    'application/json-seq',
    'application/jsonl',
    'application/x-ndjson',
    'application/jsonx',
    'application/+json',
    'json',
    '/json',
    'text/plain',
    ';;;',
    '',
  ])('does not take %j as JSON', (contentType) => {
    expect(isJsonContentType(contentType)).toBe(false);
  });
});

describe('bodyFormatRefusal', () => {
  const code = (headers: Record<string, string>) => bodyFormatRefusal(headers)?.code ?? null;

  it('accepts identity bodies and UTF-8 JSON', () => {
    expect(code({})).toBeNull();
    expect(code({ 'content-type': 'application/json' })).toBeNull();
    expect(code({ 'content-type': 'application/json; charset=UTF-8' })).toBeNull();
    expect(code({ 'content-type': 'application/json; charset="utf-8"' })).toBeNull();
    expect(code({ 'content-type': 'application/json; charset=us-ascii' })).toBeNull();
    expect(code({ 'content-type': 'application/json', 'content-encoding': 'identity' })).toBeNull();
    expect(code({ 'content-type': 'application/json', 'content-encoding': ' ' })).toBeNull();
  });

  it('refuses JSON in another charset, but not other bodies in one', () => {
    expect(code({ 'content-type': 'application/json; charset=utf-16le' })).toBe('unsupported_charset');
    expect(code({ 'content-type': 'application/json;charset="UTF-16BE"' })).toBe('unsupported_charset');
    expect(code({ 'content-type': 'application/vnd.api+json; charset=latin1' })).toBe('unsupported_charset');
    expect(code({ 'content-type': 'text/plain; charset=utf-16le' })).toBeNull();
    expect(bodyFormatRefusal({ 'content-type': 'application/json; charset=utf-16le' })?.status).toBe(415);
  });

  it('refuses any content coding but identity', () => {
    for (const encoding of ['gzip', 'br', 'deflate', 'GZIP', 'identity, gzip']) {
      expect(code({ 'content-type': 'application/json', 'content-encoding': encoding })).toBe(
        'unsupported_content_encoding',
      );
    }
  });
});

describe('withoutBom', () => {
  it('drops a leading UTF-8 byte order mark only', () => {
    expect(withoutBom(Buffer.from('\ufeff{"a":1}')).toString()).toBe('{"a":1}');
    expect(withoutBom(Buffer.from('{"a":1}')).toString()).toBe('{"a":1}');
    expect(withoutBom(Buffer.from('\ufeff\ufeff1')).toString()).toBe('\ufeff1');
    expect(withoutBom(Buffer.alloc(0))).toHaveLength(0);
  });
});
