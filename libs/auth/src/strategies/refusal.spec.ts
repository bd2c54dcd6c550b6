import jwt from 'jsonwebtoken';
import { ArgumentError, JwksError, SigningKeyNotFoundError } from 'jwks-rsa';
import { AuthException } from '../auth.exception';
import type { HomeIdentity } from './presented-credential';
import { refusalFor, strategyOutcome, unauthenticated } from './refusal';

const SECRET = 'a-secret-of-at-least-thirty-two-characters';

/** The error jsonwebtoken (as passport-jwt calls it) fails a token with. */
function verificationError(token: string, options: jwt.VerifyOptions = {}): unknown {
  try {
    jwt.verify(token, SECRET, { algorithms: ['HS256'], ...options });
  } catch (err) {
    return err;
  }
  throw new Error('the token verified');
}

const codeOf = (reason: unknown) => {
  const refusal = refusalFor(reason);
  return { code: refusal.code, status: refusal.status };
};

describe('refusalFor', () => {
  it('answers an expired token with 401 token_expired', () => {
    const expired = jwt.sign({ exp: Math.floor(Date.now() / 1000) - 60 }, SECRET);
    expect(codeOf(verificationError(expired))).toEqual({ code: 'token_expired', status: 401 });
  });

  it('answers every other verification failure with 401 token_invalid', () => {
    const token = jwt.sign({ iss: 'conduit', aud: 'conduit-api' }, SECRET);
    const failures = [
      verificationError(jwt.sign({}, 'another-secret-of-at-least-thirty-two-chars')),
      verificationError(token, { issuer: 'someone-else' }),
      verificationError(token, { audience: 'someone-else' }),
      verificationError(jwt.sign({ nbf: Math.floor(Date.now() / 1000) + 600 }, SECRET)),
      verificationError('not.a.jwt'),
      new SigningKeyNotFoundError('no key with kid x'),
      new JwksError('the JWKS endpoint answered 500'),
      new ArgumentError('no JWKS'),
      new Error('No auth token'),
      undefined,
    ];
    for (const failure of failures) expect(codeOf(failure)).toEqual({ code: 'token_invalid', status: 401 });
  });

  it('keeps the code of a refusal a strategy decided itself', () => {
    const revoked = new AuthException('token_revoked', 'Access token has been revoked');
    expect(refusalFor(revoked)).toBe(revoked);
    expect(codeOf(new AuthException('tenant_suspended', 'suspended'))).toEqual({
      code: 'tenant_suspended',
      status: 403,
    });
  });
});

describe('strategyOutcome', () => {
  const identity = { principal: { id: 'u' }, tenant: { id: 't' } } as unknown as HomeIdentity;

  it('returns the identity a strategy proved', () => {
    expect(strategyOutcome(null, identity, undefined)).toBe(identity);
  });

  it('throws what a strategy raised as it is (its code, or an outage the error mapping answers)', () => {
    const suspended = new AuthException('tenant_suspended', 'This tenant is suspended');
    expect(() => strategyOutcome(suspended, false, undefined)).toThrow(suspended);
    const outage = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    expect(() => strategyOutcome(outage, undefined, undefined)).toThrow(outage);
  });

  it('maps a failure to its refusal', () => {
    const expired = new jwt.TokenExpiredError('jwt expired', new Date());
    expect(() => strategyOutcome(null, false, expired)).toThrow(
      expect.objectContaining({ code: 'token_expired', status: 401 }),
    );
  });
});

describe('unauthenticated', () => {
  it('is 401 unauthenticated, saying what was wrong with the request', () => {
    const malformed = unauthenticated({ kind: 'malformed_authorization' });
    const none = unauthenticated({ kind: 'none' });
    expect([malformed.code, malformed.status, none.code, none.status]).toEqual([
      'unauthenticated',
      401,
      'unauthenticated',
      401,
    ]);
    expect(malformed.message).toBe('Authorization header must be "Bearer <token>"');
    expect(none.message).toBe('Authentication required: send a bearer token or an API key');
  });
});
