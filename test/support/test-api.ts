// Starts the real API on 127.0.0.1 against a suite database and real Redis; requests go over real HTTP.
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Client } from 'pg';
import { createApiApp } from '@conduit/api/bootstrap';
import { ConduitConfig, TenantId } from '@conduit/platform';
import { OperatorService } from '@conduit/tenants';
import type { Role } from '@conduit/access';
import IORedis from 'ioredis';
import { redisOptionsFromUrl } from '@conduit/queues';
import { TestDatabase, createTestDatabase } from './test-database';
import { deleteRedisPrefix } from './test-worker';
import { testConfig } from './test-config';

export interface HttpResult<T = any> {
  status: number;
  body: T;
  headers: Headers;
  text: string;
}

export interface RequestOptions {
  token?: string;
  apiKey?: string;
  tenant?: string;
  body?: unknown;
  rawBody?: string;
  headers?: Record<string, string>;
}

export class TestApi {
  constructor(
    readonly app: NestFastifyApplication,
    readonly config: ConduitConfig,
    readonly db: TestDatabase,
    readonly baseUrl: string,
  ) {}

  async request<T = any>(method: string, path: string, opts: RequestOptions = {}): Promise<HttpResult<T>> {
    const headers: Record<string, string> = { ...opts.headers };
    if (opts.token) headers.authorization = `Bearer ${opts.token}`;
    if (opts.apiKey) headers['x-api-key'] = opts.apiKey;
    if (opts.tenant) headers['x-tenant-id'] = opts.tenant;
    let body: string | undefined;
    if (opts.rawBody !== undefined) body = opts.rawBody;
    else if (opts.body !== undefined) body = JSON.stringify(opts.body);
    if (body !== undefined && !headers['content-type']) headers['content-type'] = 'application/json';
    const res = await fetch(`${this.baseUrl}${path}`, { method, headers, body });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON: keep the text
    }
    return { status: res.status, body: parsed as T, headers: res.headers, text };
  }

  /** Raw SQL as the database owner (bypasses RLS): for asserting what was, or was not, written. */
  async sql<R = Record<string, any>>(query: string, params: unknown[] = []): Promise<R[]> {
    const client = new Client({ connectionString: this.db.url });
    await client.connect();
    try {
      return (await client.query(query, params)).rows as R[];
    } finally {
      await client.end();
    }
  }

  get operator(): OperatorService {
    return this.app.get(OperatorService);
  }

  async login(
    email: string,
    password: string,
    tenant?: string,
  ): Promise<{ access_token: string; refresh_token: string }> {
    const res = await this.request('POST', '/api/v1/auth/login', {
      body: { email, password, ...(tenant ? { tenant } : {}) },
    });
    if (res.status !== 200) throw new Error(`login failed for ${email}: ${res.status} ${res.text}`);
    return res.body;
  }

  /** Creates a tenant (optionally below a parent) through the operator path. */
  async seedTenant(code: string, parentCode?: string): Promise<{ id: TenantId; code: string }> {
    const t = await this.operator.createTenant({ code, name: `Tenant ${code}`, parentCode });
    return { id: t.id, code: t.code };
  }

  /** Creates a user with a role in a tenant and returns a fresh access token for it. */
  async seedUser(
    tenantCode: string,
    role: Role,
    email = `${role}.${tenantCode}@example.test`,
  ): Promise<{ id: string; email: string; token: string; refresh: string }> {
    const password = 'correct-horse-battery-staple';
    const user = await this.operator.createUser({ email, password, tenantCode, role });
    const tokens = await this.login(email, password);
    return { id: user.id, email, token: tokens.access_token, refresh: tokens.refresh_token };
  }

  async close(): Promise<void> {
    await this.app.close();
    await this.db.drop();
    // Best effort: a suite may point at a dead Redis on purpose.
    const redis = new IORedis({
      ...redisOptionsFromUrl(this.config.REDIS_URL),
      lazyConnect: true,
      connectTimeout: 1000,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    redis.on('error', () => undefined);
    try {
      await redis.connect();
      await deleteRedisPrefix(redis, this.config.REDIS_PREFIX);
    } catch {
      // nothing to clean where nothing answers
    } finally {
      redis.disconnect();
    }
  }
}

/**
 * `host` is where the API listens (127.0.0.1 unless a suite needs another address); requests go to 127.0.0.1.
 * `overrides` may depend on the suite's database (e.g. a DATABASE_URL through a proxy to it).
 */
export async function startTestApi(
  overrides: Record<string, string> | ((db: TestDatabase) => Record<string, string>) = {},
  { host = '127.0.0.1' }: { host?: string } = {},
): Promise<TestApi> {
  const db = await createTestDatabase();
  const config = testConfig(db.url, typeof overrides === 'function' ? overrides(db) : overrides);
  const app = await createApiApp(config, { logger: false });
  await app.listen({ port: 0, host });
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return new TestApi(app, config, db, `http://127.0.0.1:${port}`);
}
