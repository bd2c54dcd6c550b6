import { MASK, maskSecrets } from './redaction';

describe('maskSecrets', () => {
  it('masks secret-looking keys at any depth and keeps the rest', () => {
    expect(
      maskSecrets({ email: 'a@b.test', password: 'p', nested: { api_key: 'k', client_secret: 's', headers: [{ Authorization: 'Bearer x' }] }, n: 1 }),
    ).toEqual({ email: 'a@b.test', password: MASK, nested: { api_key: MASK, client_secret: MASK, headers: MASK }, n: 1 });
  });
  it('masks header maps whole, since their values are often credentials', () => {
    expect(maskSecrets({ headers: { 'X-Team': 'abc' }, header_names: ['X-Team'] })).toEqual({ headers: MASK, header_names: ['X-Team'] });
  });
  it('leaves scalars alone', () => {
    expect(maskSecrets('token')).toBe('token');
    expect(maskSecrets(null)).toBeNull();
  });
});
