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
