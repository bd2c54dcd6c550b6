import { ConfigError, parseConfig } from './config.schema';

const valid = {
  DATABASE_URL: 'postgres://u:p@db:5432/conduit',
  CONDUIT_MASTER_KEY: Buffer.alloc(32, 1).toString('base64'),
};

function problems(env: Record<string, string | undefined>): string[] {
  try {
    parseConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe('parseConfig', () => {
  it('applies defaults to a minimal environment', () => {
    const config = parseConfig(valid);
    expect(config).toMatchObject({
      PORT: 3000,
      REDIS_URL: 'redis://127.0.0.1:6379',
      JWT_ACCESS_TTL_SECONDS: 900,
      CORS_ORIGINS: [],
      MIGRATE_ON_START: true,
    });
  });

  it('gives the API a short statement timeout, analytics and the worker longer ones, and refuses negative ones', () => {
    expect(parseConfig(valid)).toMatchObject({
      DATABASE_STATEMENT_TIMEOUT_MS: 5000,
      ANALYTICS_STATEMENT_TIMEOUT_MS: 15000,
      WORKER_STATEMENT_TIMEOUT_MS: 60000,
      DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS: 60000,
    });
    expect(parseConfig({ ...valid, DATABASE_STATEMENT_TIMEOUT_MS: '0' }).DATABASE_STATEMENT_TIMEOUT_MS).toBe(0);
    expect(
      problems({ ...valid, DATABASE_STATEMENT_TIMEOUT_MS: '-1', WORKER_STATEMENT_TIMEOUT_MS: '1.5' }),
    ).toHaveLength(2);
  });

  it('names every missing variable', () => {
    expect(problems({})).toEqual(
      expect.arrayContaining(['DATABASE_URL is required', expect.stringMatching(/^CONDUIT_MASTER_KEY/)]),
    );
    expect(problems({ ...valid, DATABASE_URL: '' })).toEqual(['DATABASE_URL is required']);
  });

  it('names every malformed variable', () => {
    const found = problems({
      ...valid,
      PORT: 'eighty',
      REDIS_URL: 'http://x',
      DATABASE_URL: 'mysql://x',
      TRUST_PROXY: 'maybe',
      DATABASE_RUNTIME_ROLE: 'Robert"; drop',
    });
    for (const name of ['PORT', 'REDIS_URL', 'DATABASE_URL', 'TRUST_PROXY', 'DATABASE_RUNTIME_ROLE']) {
      expect(found.some((p) => p.startsWith(`${name}:`))).toBe(true);
    }
  });

  it('parses lists and booleans', () => {
    const config = parseConfig({
      ...valid,
      CORS_ORIGINS: 'https://a.test, https://b.test',
      TRUST_PROXY: 'true',
      MIGRATE_ON_START: '0',
    });
    expect(config.CORS_ORIGINS).toEqual(['https://a.test', 'https://b.test']);
    expect(config.TRUST_PROXY).toBe(true);
    expect(config.MIGRATE_ON_START).toBe(false);
  });

  it('takes an http or https PUBLIC_URL without its trailing slash, and nothing else', () => {
    expect(parseConfig(valid).PUBLIC_URL).toBeUndefined();
    expect(parseConfig({ ...valid, PUBLIC_URL: 'https://conduit.example.com/' }).PUBLIC_URL).toBe(
      'https://conduit.example.com',
    );
    expect(parseConfig({ ...valid, PUBLIC_URL: 'http://10.0.0.5:3000/conduit' }).PUBLIC_URL).toBe(
      'http://10.0.0.5:3000/conduit',
    );
    for (const bad of ['conduit.example.com', 'ftp://conduit.example.com', 'https://conduit.example.com/?a=1']) {
      expect(problems({ ...valid, PUBLIC_URL: bad }), bad).toEqual([expect.stringMatching(/^PUBLIC_URL:/)]);
    }
  });

  it('never echoes secret values in its messages', () => {
    const err = (() => {
      try {
        parseConfig({ ...valid, JWT_SECRET: 'short-secret-value' });
      } catch (e) {
        return e as Error;
      }
    })();
    expect(err?.message).toMatch(/JWT_SECRET/);
    expect(err?.message).not.toContain('short-secret-value');
  });
});

describe('CONDUIT_LICENSE_PUBLIC_KEYS', () => {
  const key = { kty: 'OKP', crv: 'Ed25519', x: '0XmD2JMeS-gHgHkhfjJVu3B98AnhcAwXuhXMdzFndNE', kid: 'vendor-1' };
  const keys = (set: unknown) => problems({ ...valid, CONDUIT_LICENSE_PUBLIC_KEYS: JSON.stringify(set) });

  it('is optional (the built-in vendor key applies) and parses a JWK set of Ed25519 public keys', () => {
    expect(parseConfig(valid).CONDUIT_LICENSE_PUBLIC_KEYS).toBeUndefined();
    const config = parseConfig({
      ...valid,
      CONDUIT_LICENSE_PUBLIC_KEYS: JSON.stringify({
        keys: [key, { ...key, kid: 'vendor-2', alg: 'EdDSA', use: 'sig' }],
      }),
    });
    expect(config.CONDUIT_LICENSE_PUBLIC_KEYS?.map((k) => k.kid)).toEqual(['vendor-1', 'vendor-2']);
    expect(config.LICENSE_REFRESH_MS).toBe(2000);
  });

  it('refuses a malformed set with a message that says what is wrong', () => {
    expect(problems({ ...valid, CONDUIT_LICENSE_PUBLIC_KEYS: '{keys: [' })).toEqual([
      expect.stringMatching(/^CONDUIT_LICENSE_PUBLIC_KEYS: must be a JWK set as JSON/),
    ]);
    expect(keys({ keys: [] })).toEqual(['CONDUIT_LICENSE_PUBLIC_KEYS: keys: must hold at least one key']);
    expect(keys([key])).toEqual(['CONDUIT_LICENSE_PUBLIC_KEYS: must be a JWK set: {"keys": [...]}']);
    expect(keys({ keys: key })).toEqual(['CONDUIT_LICENSE_PUBLIC_KEYS: keys: must be a list of JWKs']);
    expect(keys({ keys: [{ ...key, crv: 'P-256' }] })).toEqual([
      'CONDUIT_LICENSE_PUBLIC_KEYS: keys.0.crv: must be "Ed25519"',
    ]);
    expect(keys({ keys: [{ ...key, x: 'short' }] })).toEqual([
      'CONDUIT_LICENSE_PUBLIC_KEYS: keys.0.x: must be the 32-byte public key in base64url',
    ]);
    expect(keys({ keys: [{ ...key, kid: undefined }] })).toEqual([expect.stringMatching(/keys\.0\.kid/)]);
    expect(keys({ keys: [key, key] })).toEqual(['CONDUIT_LICENSE_PUBLIC_KEYS: every key needs its own kid']);
    expect(keys({ keys: [{ ...key, d: 'c2VjcmV0' }] })).toEqual([
      'CONDUIT_LICENSE_PUBLIC_KEYS: keys.0.d: is a private key: give public keys only, never "d"',
    ]);
  });
});
