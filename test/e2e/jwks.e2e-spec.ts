// Tokens from a company identity provider: RS256, verified against a JWKS served by a real local HTTP server.
import { generateKeyPairSync, KeyObject } from 'node:crypto';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import jwt from 'jsonwebtoken';
import { TestApi, startTestApi } from '../support/test-api';

function keyPair(kid: string): { kid: string; privateKey: KeyObject; jwk: Record<string, unknown> } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { kid, privateKey, jwk: { ...publicKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' } };
}

describe('identity-provider tokens (JWKS)', () => {
  const idp = keyPair('idp-key-1');
  const stranger = keyPair('idp-key-1');
  let server: Server;
  let api: TestApi;
  let jwksHits = 0;

  const sign = (claims: Record<string, unknown>, opts: { key?: typeof idp; audience?: string; issuer?: string } = {}) =>
    jwt.sign(claims, (opts.key ?? idp).privateKey, {
      algorithm: 'RS256',
      keyid: (opts.key ?? idp).kid,
      expiresIn: 300,
      issuer: opts.issuer ?? 'https://idp.example.test/',
      audience: opts.audience ?? 'conduit',
      subject: 'idp-user-1',
    });

  beforeAll(async () => {
    server = createServer((req, res) => {
      jwksHits += 1;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ keys: [idp.jwk] }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    api = await startTestApi({
      JWT_JWKS_URL: `http://127.0.0.1:${port}/.well-known/jwks.json`,
      JWT_JWKS_ISSUER: 'https://idp.example.test/',
      JWT_JWKS_AUDIENCE: 'conduit',
    });
    await api.seedTenant('acme');
    await api.seedUser('acme', 'analyst', 'sso.user@acme.test');
  });
  afterAll(async () => {
    await api.close();
    server.close();
  });

  it('accepts a valid token whose email and tenant claims match a member', async () => {
    const res = await api.request('GET', '/api/v1/auth/me', {
      token: sign({ email: 'SSO.User@acme.test', tid: 'acme' }),
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      kind: 'user',
      label: 'sso.user@acme.test',
      role: 'analyst',
      tenant: { code: 'acme' },
    });
    expect(jwksHits).toBeGreaterThanOrEqual(1);
  });

  it('refuses tokens signed by another key, for another audience or issuer, or for a non-member', async () => {
    const cases: [string, number, string][] = [
      [sign({ email: 'sso.user@acme.test', tid: 'acme' }, { key: stranger }), 401, 'token_invalid'],
      [sign({ email: 'sso.user@acme.test', tid: 'acme' }, { audience: 'someone-else' }), 401, 'token_invalid'],
      [sign({ email: 'sso.user@acme.test', tid: 'acme' }, { issuer: 'https://evil.test/' }), 401, 'token_invalid'],
      [sign({ email: 'nobody@acme.test', tid: 'acme' }), 403, 'no_membership'],
      [sign({ email: 'sso.user@acme.test', tid: 'globex' }), 403, 'no_membership'],
      [sign({ tid: 'acme' }), 401, 'token_invalid'],
    ];
    for (const [token, status, code] of cases) {
      const res = await api.request('GET', '/api/v1/auth/me', { token });
      expect({ status: res.status, code: res.body.error?.code }).toEqual({ status, code });
    }
  });

  it('refuses identity-provider tokens when no JWKS is configured', async () => {
    const plain = await startTestApi();
    try {
      const res = await plain.request('GET', '/api/v1/auth/me', { token: sign({ email: 'a@b.test', tid: 'acme' }) });
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe('token_invalid');
    } finally {
      await plain.close();
    }
  });

  it('keeps each app on its own passport strategies when two share a process', async () => {
    const token = sign({ email: 'sso.user@acme.test', tid: 'acme' });
    // Started after `api`: on passport's process-wide registry its strategies would replace api's.
    const plain = await startTestApi();
    try {
      expect((await plain.request('GET', '/api/v1/auth/me', { token })).body.error?.code).toBe('token_invalid');
      expect((await api.request('GET', '/api/v1/auth/me', { token })).status).toBe(200);
    } finally {
      await plain.close();
    }
    expect((await api.request('GET', '/api/v1/auth/me', { token })).status).toBe(200);
  });
});
