import { identityProviderClaims } from './identity-provider-jwt.strategy';

const config = { JWT_JWKS_EMAIL_CLAIM: 'email', JWT_JWKS_TENANT_CLAIM: 'tid' } as Parameters<
  typeof identityProviderClaims
>[1];

describe('identityProviderClaims', () => {
  it('reads the configured email and tenant claims', () => {
    expect(identityProviderClaims({ email: 'a@b.test', tid: 'acme', sub: 'x' }, config)).toEqual({
      email: 'a@b.test',
      tenant: 'acme',
    });
    const custom = { ...config, JWT_JWKS_EMAIL_CLAIM: 'upn', JWT_JWKS_TENANT_CLAIM: 'org' };
    expect(identityProviderClaims({ upn: 'a@b.test', org: 'acme' }, custom)).toEqual({
      email: 'a@b.test',
      tenant: 'acme',
    });
  });

  it('refuses with 401 token_invalid a payload without them, or with text PostgreSQL cannot store', () => {
    const payloads = [
      'a string',
      null,
      { tid: 'acme' },
      { email: 'a@b.test' },
      { email: ['a@b.test'], tid: 'acme' },
      { email: 'a\u0000@b.test', tid: 'acme' },
      { email: 'a@b.test', tid: 'acme\ud800' },
    ];
    for (const payload of payloads) {
      expect(() => identityProviderClaims(payload, config)).toThrow(
        expect.objectContaining({ code: 'token_invalid', status: 401 }),
      );
    }
  });
});
