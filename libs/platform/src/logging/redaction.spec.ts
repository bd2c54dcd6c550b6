import { MASK, maskSecrets } from './redaction';

describe('maskSecrets', () => {
  it('masks secret-looking keys at any depth and keeps the rest', () => {
    expect(
      maskSecrets({
        email: 'a@b.test',
        password: 'p',
        nested: { api_key: 'k', client_secret: 's', headers: [{ Authorization: 'Bearer x' }] },
        n: 1,
      }),
    ).toEqual({
      email: 'a@b.test',
      password: MASK,
      nested: { api_key: MASK, client_secret: MASK, headers: MASK },
      n: 1,
    });
  });
  it('masks header maps whole, since their values are often credentials', () => {
    expect(maskSecrets({ headers: { 'X-Team': 'abc' }, header_names: ['X-Team'] })).toEqual({
      headers: MASK,
      header_names: ['X-Team'],
    });
  });
  it('masks secrets nested deeper than any limit, and copies the rest', () => {
    const deep = (levels: number, leaf: unknown): unknown => {
      let value = leaf;
      for (let i = 0; i < levels; i += 1) value = i % 2 ? [value] : { level: value };
      return value;
    };
    const masked = JSON.stringify(maskSecrets(deep(9, { password: 'nine-deep', keep: 1 })));
    expect(masked).not.toContain('nine-deep');
    expect(masked).toContain('"keep":1');
    // Far deeper than a recursive walk (or JSON.stringify) survives: follow it down to the leaf by hand.
    let leaf = maskSecrets(deep(20_000, { api_key: 'very-deep' }));
    for (let i = 20_000 - 1; i >= 0; i -= 1) leaf = i % 2 ? (leaf as unknown[])[0] : (leaf as { level: unknown }).level;
    expect(leaf).toEqual({ api_key: MASK });
  });
  it('keeps a "__proto__" key as data and survives cycles', () => {
    const parsed = JSON.parse('{"__proto__": {"token": "t", "x": 1}}') as unknown;
    expect(JSON.stringify(maskSecrets(parsed))).toBe('{"__proto__":{"token":"[REDACTED]","x":1}}');
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    expect(maskSecrets(cyclic)).toEqual({ a: 1, self: MASK });
  });
  it('leaves scalars alone', () => {
    expect(maskSecrets('token')).toBe('token');
    expect(maskSecrets(null)).toBeNull();
  });
});
