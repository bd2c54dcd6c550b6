import { accessClaims } from './token.service';

const claims = { typ: 'access', sub: 'user', tid: 'tenant', jti: 'token', exp: 1_900_000_000, roles: ['analyst'] };

describe('accessClaims', () => {
  it('reads the claims of one of our access tokens', () => {
    expect(accessClaims({ ...claims, sid: 'session' })).toEqual({
      sub: 'user',
      tid: 'tenant',
      roles: ['analyst'],
      jti: 'token',
      sid: 'session',
      exp: 1_900_000_000,
    });
    expect(accessClaims({ ...claims, roles: undefined, sid: 7 })).toMatchObject({ roles: [], sid: undefined });
  });

  it('refuses with 401 token_invalid a payload that is not an access token of ours', () => {
    const payloads = [
      'a string',
      null,
      { ...claims, typ: 'refresh' },
      { ...claims, sub: undefined },
      { ...claims, tid: 42 },
      { ...claims, jti: undefined },
      { ...claims, exp: '1900000000' },
    ];
    for (const payload of payloads) {
      expect(() => accessClaims(payload)).toThrow(expect.objectContaining({ code: 'token_invalid', status: 401 }));
    }
  });
});
