// Operational surface of the API: Swagger, health, metrics, request ids, error bodies, limits, headers and logs.
import SwaggerParser from '@apidevtools/swagger-parser';
import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import IORedis from 'ioredis';
import { ClsService } from 'nestjs-cls';
import { createApiApp } from '@conduit/api/bootstrap';
import { HttpMetrics } from '@conduit/api/metrics/http-metrics';
import { SessionService } from '@conduit/auth';
import { redisOptionsFromUrl } from '@conduit/queues';
import { freePort } from '../support/processes';
import { TestApi, startTestApi } from '../support/test-api';
import { TestDatabase, createTestDatabase } from '../support/test-database';
import { TEST_MASTER_KEY } from '../support/test-config';
import { deleteRedisPrefix } from '../support/test-worker';
import { signLoki } from '@conduit/signatures';

const ROOT = resolve(__dirname, '../..');
const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;
// Login and refresh, and the receive endpoints, whose authentication is the source's own verification.
const PUBLIC_OPERATIONS = new Set([
  'POST /api/v1/auth/login',
  'POST /api/v1/auth/refresh',
  'POST /api/v1/webhook/{provider}/{sourceKey}',
  'POST /api/v1/webhook/{provider}',
  // SAML: the SP metadata an IdP downloads, the code a browser exchanges after the ACS, the IdP's logout messages.
  'POST /api/v1/auth/saml/exchange',
  'GET /api/v1/auth/saml/{connection_id}/metadata',
  'GET /api/v1/auth/saml/{connection_id}/slo',
]);

interface OpenApiOperation {
  security?: Record<string, string[]>[];
  responses?: Record<string, { content?: Record<string, { schema?: { $ref?: string } }> }>;
}
type OpenApiDoc = {
  openapi: string;
  servers?: { url: string }[];
  paths: Record<string, Record<string, OpenApiOperation>>;
  components: {
    securitySchemes: Record<string, { type: string; scheme?: string; in?: string; name?: string }>;
    schemas: Record<string, { properties?: Record<string, { example?: unknown }> }>;
  };
};

function apiOperations(doc: OpenApiDoc): { name: string; op: OpenApiOperation }[] {
  return operations(doc).filter(({ name }) => name.includes(' /api/v1/'));
}

/** Each documented 4xx status of an operation, and whether its JSON schema is the error body. */
function errorResponses(op: OpenApiOperation): [string, boolean][] {
  return Object.entries(op.responses ?? {})
    .filter(([status]) => /^4\d\d$/.test(status))
    .map(([status, response]) => [
      status,
      response.content?.['application/json']?.schema?.$ref === '#/components/schemas/ErrorResponseDto',
    ]);
}

function operations(doc: OpenApiDoc): { name: string; op: OpenApiOperation }[] {
  return Object.entries(doc.paths).flatMap(([path, item]) =>
    HTTP_METHODS.filter((m) => item[m]).map((m) => ({ name: `${m.toUpperCase()} ${path}`, op: item[m] })),
  );
}

/** The DESIGN.md error body with a given code; the request id must match the response header. */
function expectErrorBody(res: { status: number; body: any; headers: Headers }, code: string): void {
  expect(res.body).toEqual({
    error: { code, message: expect.any(String), details: expect.any(Array) },
    request_id: res.headers.get('x-request-id'),
  });
}

/** Logs in through the session service directly (not over HTTP), as the operator CLI would. */
async function issueToken(api: TestApi, email: string): Promise<string> {
  const cls = api.app.get(ClsService);
  const pair = await cls.run(() =>
    api.app
      .get(SessionService)
      .login(
        { email, password: 'correct-horse-battery-staple' },
        { ip: '127.0.0.1', userAgent: null, requestId: null },
      ),
  );
  return pair.access_token;
}

/**
 * One API with the default configuration for swagger, health, metrics and request ids, started by the first of them
 * and closed after the file: what they read of it holds whatever the others asked (the counters are at least, the ids
 * each response's own). The suites that need another configuration start their own.
 */
let defaultApi: Promise<TestApi> | undefined;
const sharedApi = (): Promise<TestApi> => (defaultApi ??= startTestApi());
afterAll(async () => {
  await (await defaultApi)?.close();
});

describe('swagger', () => {
  let api: TestApi;
  let doc: OpenApiDoc;
  beforeAll(async () => {
    api = await sharedApi();
    const res = await api.request<OpenApiDoc>('GET', '/docs-json');
    expect(res.status).toBe(200);
    doc = res.body;
  });

  it('serves a valid OpenAPI 3 document', async () => {
    expect(doc.openapi).toMatch(/^3\./);
    await expect(SwaggerParser.validate(structuredClone(doc) as never)).resolves.toBeTruthy();
  });

  it('names a relative server without PUBLIC_URL, so "Try it out" calls the address the page came from', () => {
    expect(doc.servers).toEqual([{ url: '/' }]);
  });

  it('declares the bearer and api_key security schemes', () => {
    expect(doc.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(doc.components.securitySchemes.api_key).toMatchObject({ type: 'apiKey', in: 'header', name: 'X-API-Key' });
  });

  it('requires security on every /api/v1 operation except login, refresh and the receive endpoints', () => {
    const ops = apiOperations(doc);
    expect(ops.length).toBeGreaterThan(10);
    const unsecured = ops.filter(
      ({ name, op }) => !PUBLIC_OPERATIONS.has(name) && !(op.security ?? []).some((req) => Object.keys(req).length > 0),
    );
    expect(unsecured.map((o) => o.name)).toEqual([]);
    for (const name of PUBLIC_OPERATIONS) expect(ops.map((o) => o.name)).toContain(name);
  });

  it('documents a 4xx error body (ErrorResponseDto) on every /api/v1 operation', () => {
    expect(doc.components.schemas.ErrorResponseDto).toBeDefined();
    const undocumented = apiOperations(doc).filter(
      ({ op }) => !errorResponses(op).some(([, refersToErrorBody]) => refersToErrorBody),
    );
    expect(undocumented.map((o) => o.name)).toEqual([]);
  });

  it('gives every documented 4xx response of /api/v1 the error body schema', () => {
    const bare = apiOperations(doc).flatMap(({ name, op }) =>
      errorResponses(op)
        .filter(([, refersToErrorBody]) => !refersToErrorBody)
        .map(([status]) => `${name} ${status}`),
    );
    expect(bare).toEqual([]);
  });

  it('gives request DTOs property examples', () => {
    expect(doc.components.schemas.CreateTenantDto?.properties?.code?.example).toEqual(expect.any(String));
    expect(doc.components.schemas.LoginDto?.properties?.email?.example).toEqual(expect.any(String));
  });

  it('serves Swagger UI at /docs', async () => {
    const res = await api.request('GET', '/docs');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/html');
    expect(res.text).toMatch(/swagger-ui/i);
  });
});

describe('health', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await sharedApi();
  });

  it('reports liveness', async () => {
    const res = await api.request('GET', '/health/live');
    expect(res.status).toBe(200);
  });

  it('reports readiness with database and redis up', async () => {
    const res = await api.request('GET', '/health/ready');
    expect(res.status).toBe(200);
    expect(res.body.info).toMatchObject({ database: { status: 'up' }, redis: { status: 'up' } });
  });

  it('is live and ready but degraded when Redis does not answer (work is still accepted into PostgreSQL)', async () => {
    const down = await startTestApi({ REDIS_URL: 'redis://127.0.0.1:1' });
    try {
      expect((await down.request('GET', '/health/live')).status).toBe(200);
      const res = await down.request('GET', '/health/ready');
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toContain('application/json');
      expect(res.body).toMatchObject({
        status: 'degraded',
        info: { database: { status: 'up' } },
        error: { redis: { status: 'down' } },
      });
    } finally {
      // Not down.close(): its Redis prefix clean-up would wait for the unreachable Redis forever.
      await down.app.close();
      await down.db.drop();
    }
  });
});

describe('metrics', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await sharedApi();
  });

  const counterValue = (text: string, series: string): number => {
    const line = text.split('\n').find((l) => l.startsWith(`${series} `));
    return line ? Number(line.slice(series.length + 1)) : 0;
  };

  it('exposes HTTP, process and queue metrics in Prometheus text', async () => {
    for (let i = 0; i < 3; i++) expect((await api.request('GET', '/health/live')).status).toBe(200);
    const res = await api.request('GET', '/metrics');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    expect(
      counterValue(res.text, 'conduit_http_requests_total{method="GET",route="/health/live",status="200"}'),
    ).toBeGreaterThanOrEqual(3);
    expect(res.text).toContain('# TYPE conduit_http_request_duration_seconds histogram');
    expect(res.text).toMatch(
      /^conduit_http_request_duration_seconds_bucket\{le="[^"]+",method="GET",route="\/health\/live",status="200"\} \d+/m,
    );
    expect(res.text).toMatch(/^conduit_process_cpu_user_seconds_total \d/m);
    expect(res.text).toMatch(/^conduit_queue_jobs\{queue="maintenance",state="waiting"\} \d+/m);
  });

  it('labels unknown routes "unmatched", never with the raw URL', async () => {
    const marker = `no-such-route-${randomBytes(4).toString('hex')}`;
    expect((await api.request('GET', `/${marker}/42`)).status).toBe(404);
    // Read the counter from the process's registry so this holds whatever else /metrics collects.
    const text = await api.app.get(HttpMetrics).registry.getSingleMetricAsString('conduit_http_requests_total');
    expect(text).not.toContain(marker);
    expect(
      counterValue(text, 'conduit_http_requests_total{method="GET",route="unmatched",status="404"}'),
    ).toBeGreaterThanOrEqual(1);
  });

  it('requires the bearer token when METRICS_TOKEN is set', async () => {
    const token = 'x'.repeat(20);
    const guarded = await startTestApi({ METRICS_TOKEN: token });
    try {
      const anonymous = await guarded.request('GET', '/metrics');
      expect(anonymous.status).toBe(401);
      expectErrorBody(anonymous, 'unauthenticated');
      expect(
        (await guarded.request('GET', '/metrics', { headers: { authorization: 'Bearer wrong-token-wrong' } })).status,
      ).toBe(401);
      const ok = await guarded.request('GET', '/metrics', { headers: { authorization: `Bearer ${token}` } });
      expect(ok.status).toBe(200);
      expect(ok.text).toContain('conduit_http_requests_total');
    } finally {
      await guarded.close();
    }
  });
});

describe('request ids', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await sharedApi();
  });

  it('puts an X-Request-Id on every response, success or error', async () => {
    const ids = new Set<string>();
    for (const [method, path] of [
      ['GET', '/health/live'],
      ['GET', '/api/v1/auth/me'],
      ['GET', '/nowhere'],
      ['GET', '/docs-json'],
    ] as const) {
      const res = await api.request(method, path);
      const id = res.headers.get('x-request-id');
      expect(id, `${method} ${path}`).toMatch(/^[A-Za-z0-9._:-]{8,128}$/);
      ids.add(id!);
    }
    expect(ids.size).toBe(4);
  });

  it('echoes a valid incoming X-Request-Id, also in error bodies', async () => {
    const ok = await api.request('GET', '/health/live', { headers: { 'x-request-id': 'abc-12345678' } });
    expect(ok.headers.get('x-request-id')).toBe('abc-12345678');
    const denied = await api.request('GET', '/api/v1/auth/me', { headers: { 'x-request-id': 'abc-12345678' } });
    expect(denied.status).toBe(401);
    expect(denied.headers.get('x-request-id')).toBe('abc-12345678');
    expect(denied.body.request_id).toBe('abc-12345678');
  });

  it('replaces an invalid incoming X-Request-Id with its own', async () => {
    const res = await api.request('GET', '/health/live', { headers: { 'x-request-id': 'bad id\twith spaces' } });
    expect(res.headers.get('x-request-id')).not.toBe('bad id\twith spaces');
    expect(res.headers.get('x-request-id')).toMatch(/^[A-Za-z0-9._:-]{8,128}$/);
  });
});

describe('error bodies', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi({ BODY_LIMIT_BYTES: '2048' });
  });
  afterAll(() => api.close());

  it('answers an unknown route with 404 route_not_found', async () => {
    const res = await api.request('GET', '/api/v1/does-not-exist');
    expect(res.status).toBe(404);
    expectErrorBody(res, 'route_not_found');
  });

  it('answers malformed JSON with 400 invalid_json', async () => {
    const res = await api.request('POST', '/api/v1/auth/login', { rawBody: '{"email": "a@b.c", "password": ' });
    expect(res.status).toBe(400);
    expectErrorBody(res, 'invalid_json');
  });

  it('answers a body over BODY_LIMIT_BYTES with 413 payload_too_large', async () => {
    const res = await api.request('POST', '/api/v1/auth/login', {
      body: { email: 'a@example.test', password: 'p'.repeat(4096) },
    });
    expect(res.status).toBe(413);
    expect(res.headers.get('content-type')).toContain('application/json');
    expectErrorBody(res, 'payload_too_large');
  });

  it('answers a non-JSON content type with a stable 4xx code', async () => {
    const res = await api.request('POST', '/api/v1/auth/login', {
      rawBody: 'email=a@example.test&password=x',
      headers: { 'content-type': 'text/plain' },
    });
    expect([400, 415]).toContain(res.status);
    expect(['unsupported_media_type', 'validation_failed']).toContain(res.body.error.code);
    expectErrorBody(res, res.body.error.code);
  });
});

describe('rate limiting', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi({ RATE_LIMIT_PER_MINUTE: '5' });
  });
  afterAll(() => api.close());
  // Every test here calls from 127.0.0.1, one budget per address across routes: each starts with none spent.
  beforeEach(async () => {
    const redis = new IORedis(redisOptionsFromUrl(api.config.REDIS_URL));
    try {
      await deleteRedisPrefix(redis, `${api.config.REDIS_PREFIX}:throttle`);
    } finally {
      redis.disconnect();
    }
  });

  it('limits anonymous callers by address', async () => {
    const statuses: number[] = [];
    let last: Awaited<ReturnType<TestApi['request']>> | undefined;
    for (let i = 0; i < 6; i++) {
      last = await api.request('POST', '/api/v1/auth/login', {
        body: { email: 'nobody@example.test', password: 'wrong-password-123' },
      });
      statuses.push(last.status);
    }
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429]);
    expectErrorBody(last!, 'rate_limited');
  });

  it('counts a caller against one limit across API replicas (the counters live in Redis)', async () => {
    const replica = await createApiApp(api.config, { logger: false, shutdownHooks: false });
    await replica.listen({ port: 0, host: '127.0.0.1' });
    try {
      const address = replica.getHttpServer().address();
      const replicaUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
      const statuses: number[] = [];
      for (let i = 0; i < 6; i++) {
        const base = i % 2 === 0 ? api.baseUrl : replicaUrl;
        const res = await fetch(`${base}/api/v1/auth/refresh`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ refresh_token: 'not-a-real-refresh-token-but-long-enough' }),
        });
        statuses.push(res.status);
      }
      // Five per minute in all: each process alone has seen only three.
      expect(statuses.slice(0, 5).every((status) => status !== 429)).toBe(true);
      expect(statuses[5]).toBe(429);
    } finally {
      await replica.close();
    }
  });

  it('limits authenticated callers each on their own', async () => {
    // Tokens are issued in-process: logging in over HTTP would spend the login route's per-address budget.
    await api.seedTenant('limits');
    const [alice, bob] = await Promise.all(
      ['alice', 'bob'].map(async (name) => {
        const email = `${name}@limits.example.test`;
        await api.operator.createUser({
          email,
          password: 'correct-horse-battery-staple',
          tenantCode: 'limits',
          role: 'tenant_admin',
        });
        return email;
      }),
    );
    const tokens = await Promise.all([alice, bob].map((email) => issueToken(api, email)));
    const aliceStatuses: number[] = [];
    for (let i = 0; i < 6; i++)
      aliceStatuses.push((await api.request('GET', '/api/v1/auth/me', { token: tokens[0] })).status);
    expect(aliceStatuses).toEqual([200, 200, 200, 200, 200, 429]);
    // Same address, different caller: unaffected.
    const bobMe = await api.request('GET', '/api/v1/auth/me', { token: tokens[1] });
    expect(bobMe.status).toBe(200);
    expect(bobMe.body.label).toBe(bob);
  });

  it("counts a caller's requests to every route against one budget, and says what is left", async () => {
    await api.seedTenant('budget');
    const email = 'carol@budget.example.test';
    await api.operator.createUser({
      email,
      password: 'correct-horse-battery-staple',
      tenantCode: 'budget',
      role: 'tenant_admin',
    });
    const token = await issueToken(api, email);
    const paths = [
      '/api/v1/auth/me',
      '/api/v1/subscriptions',
      '/api/v1/tenants',
      '/api/v1/auth/me',
      '/api/v1/api-keys',
    ];
    const remaining: (string | null)[] = [];
    for (const path of paths) {
      const res = await api.request('GET', path, { token });
      expect(res.status, path).toBe(200);
      expect(res.headers.get('x-ratelimit-limit')).toBe('5');
      remaining.push(res.headers.get('x-ratelimit-remaining'));
    }
    expect(remaining).toEqual(['4', '3', '2', '1', '0']);
    const over = await api.request('GET', '/api/v1/subscriptions', { token });
    expect(over.status).toBe(429);
    expect(Number(over.headers.get('retry-after'))).toBeGreaterThan(0);
    expectErrorBody(over, 'rate_limited');
    // Probes and metrics are never limited.
    expect((await api.request('GET', '/health/live')).status).toBe(200);
  });
});

describe('security headers and CORS', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi({ CORS_ORIGINS: 'https://app.example.com' });
  });
  afterAll(() => api.close());

  it('sends helmet headers on API responses and errors, and no HSTS or upgrade-insecure-requests over plain HTTP', async () => {
    // Over plain HTTP, upgrade-insecure-requests blanks Swagger UI at any address but localhost (test/e2e/swagger-ui).
    for (const path of ['/health/live', '/api/v1/auth/me', '/nowhere', '/docs']) {
      const { headers } = await api.request('GET', path);
      expect(headers.get('x-content-type-options'), path).toBe('nosniff');
      expect(headers.get('x-frame-options') ?? headers.get('content-security-policy'), path).toMatch(
        /SAMEORIGIN|DENY|frame-ancestors/i,
      );
      expect(headers.get('content-security-policy'), path).toContain("default-src 'self'");
      expect(headers.get('content-security-policy'), path).not.toContain('upgrade-insecure-requests');
      expect(headers.get('strict-transport-security'), path).toBeNull();
    }
  });

  it('answers preflights from allowed origins only', async () => {
    const preflight = (origin: string) =>
      api.request('OPTIONS', '/api/v1/tenants', {
        headers: {
          origin,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'authorization,content-type',
        },
      });
    const allowed = await preflight('https://app.example.com');
    expect(allowed.status).toBeLessThan(300);
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    expect(allowed.headers.get('access-control-allow-methods')).toContain('POST');
    const evil = await preflight('https://evil.example');
    expect(evil.headers.get('access-control-allow-origin')).toBeNull();
    const simple = await api.request('GET', '/health/live', { headers: { origin: 'https://evil.example' } });
    expect(simple.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('behind HTTPS (an https:// PUBLIC_URL)', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi({ PUBLIC_URL: 'https://conduit.example.com/' });
  });
  afterAll(() => api.close());

  it('sends HSTS and upgrade-insecure-requests', async () => {
    for (const path of ['/health/live', '/api/v1/auth/me', '/nowhere', '/docs']) {
      const { headers } = await api.request('GET', path);
      expect(headers.get('content-security-policy'), path).toContain('upgrade-insecure-requests');
      expect(headers.get('strict-transport-security'), path).toMatch(/max-age=\d+/);
    }
  });

  it("names PUBLIC_URL as the OpenAPI document's server", async () => {
    const { body } = await api.request('GET', '/docs-json');
    expect(body.servers).toEqual([{ url: 'https://conduit.example.com' }]);
  });
});

describe('production entry point', () => {
  type Exit = { code: number | null; signal: NodeJS.Signals | null };
  interface MainProcess {
    child: ChildProcess;
    output: () => { stdout: string; stderr: string };
    exited: Promise<Exit>;
  }

  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db.drop());

  /** `node -r @swc-node/register apps/api/src/main.ts`, configured from the environment only. */
  function startMain(env: Record<string, string | undefined>): MainProcess {
    const childEnv: Record<string, string | undefined> = { ...process.env, NODE_ENV: 'production', ...env };
    for (const key of Object.keys(childEnv)) if (childEnv[key] === undefined) delete childEnv[key];
    const child = spawn(process.execPath, ['-r', '@swc-node/register', 'apps/api/src/main.ts'], {
      cwd: ROOT,
      env: childEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<Exit>((done) => child.once('exit', (code, signal) => done({ code, signal })));
    return { child, output: () => ({ stdout, stderr }), exited };
  }

  async function exitWithin(main: MainProcess, ms: number): Promise<Exit | 'hung'> {
    const exit = await Promise.race([main.exited, new Promise<'hung'>((r) => setTimeout(() => r('hung'), ms))]);
    if (exit === 'hung') main.child.kill('SIGKILL');
    return exit;
  }

  async function waitForLive(baseUrl: string, main: MainProcess, timeoutMs: number): Promise<void> {
    let dead = false;
    void main.exited.then(() => (dead = true));
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline && !dead) {
      if (
        await fetch(`${baseUrl}/health/live`).then(
          (r) => r.ok,
          () => false,
        )
      )
        return;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`the API ${dead ? 'exited' : 'did not become live'}: ${JSON.stringify(main.output())}`);
  }

  describe('logs', () => {
    const adminEmail = 'ops-admin@example.test';
    const adminPassword = `Adm1n-${randomBytes(12).toString('hex')}`;
    const unknownApiKey = 'ck_live_0123456789abS3cretValueThatMustNeverBeLogged_0123456789';
    const secrets: string[] = [adminPassword, unknownApiKey];
    const requestIds: string[] = [];
    const receiveIds: string[] = [];
    const receiveStatuses: number[] = [];
    let sourceKey = '';
    const redisUrl = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
    const redisPrefix = `conduit-logs-${randomBytes(4).toString('hex')}`;
    let exit: Exit | 'hung';
    let stdout: string;
    let stderr: string;

    // One run of the process: log in, call the API with a token and API keys, then SIGTERM.
    beforeAll(async () => {
      const port = await freePort();
      const baseUrl = `http://127.0.0.1:${port}`;
      const main = startMain({
        DATABASE_URL: db.url,
        CONDUIT_MASTER_KEY: TEST_MASTER_KEY,
        REDIS_URL: redisUrl,
        REDIS_PREFIX: redisPrefix,
        PORT: String(port),
        HOST: '127.0.0.1',
        LOG_LEVEL: 'info',
        CONDUIT_ADMIN_EMAIL: adminEmail,
        CONDUIT_ADMIN_PASSWORD: adminPassword,
      });
      const call = async (method: string, path: string, headers: Record<string, string>, body?: unknown) => {
        const res = await fetch(`${baseUrl}${path}`, {
          method,
          headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
        requestIds.push(res.headers.get('x-request-id') ?? '(none)');
        return { status: res.status, body: (await res.json()) as any };
      };
      try {
        await waitForLive(baseUrl, main, 30_000);
        const login = await call('POST', '/api/v1/auth/login', {}, { email: adminEmail, password: adminPassword });
        expect(login.status).toBe(200);
        const token: string = login.body.access_token;
        secrets.push(token, login.body.refresh_token);

        expect((await call('GET', '/api/v1/auth/me', { authorization: `Bearer ${token}` })).status).toBe(200);
        // A presented API key takes precedence over the bearer token; this one is well-formed but unknown.
        expect(
          (await call('GET', '/api/v1/auth/me', { authorization: `Bearer ${token}`, 'x-api-key': unknownApiKey }))
            .status,
        ).toBe(401);
        const created = await call(
          'POST',
          '/api/v1/api-keys',
          { authorization: `Bearer ${token}` },
          { name: 'log-check', scopes: ['audit_events:read'] },
        );
        expect(created.status).toBe(201);
        secrets.push(created.body.key);
        expect((await call('GET', '/api/v1/auth/me', { 'x-api-key': created.body.key })).status).toBe(200);
        // The receive path logs on its own: one accepted, one refused request, neither may log the source's key.
        const source = await call(
          'POST',
          '/api/v1/sources',
          { authorization: `Bearer ${token}` },
          { name: 'log-source', provider: 'hmac' },
        );
        expect(source.status).toBe(201);
        sourceKey = new URL(source.body.ingest_url).pathname.split('/').pop() as string;
        secrets.push(source.body.secret);
        const ingestPath = new URL(source.body.ingest_url).pathname;
        const body = '{"type":"log.check"}';
        for (const headers of [signLoki(body, source.body.secret, new Date(), 'log.check'), {}]) {
          const res = await fetch(`${baseUrl}${ingestPath}`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', ...headers },
            body,
          });
          receiveIds.push(res.headers.get('x-request-id') ?? '(none)');
          receiveStatuses.push(res.status);
        }
        // Spellings that reach Nest's routes instead of the receive instance (a GET probe, an upper-case path, an
        // encoded slash): Nest logs these requests too, and must not log the key either.
        for (const [method, path] of [
          ['GET', ingestPath],
          ['POST', ingestPath.replace('/api/', '/API/')],
          ['POST', ingestPath.replace(/\/([^/]+)$/, '%2F$1')],
        ]) {
          const res = await fetch(`${baseUrl}${path}`, {
            method,
            headers: method === 'POST' ? { 'content-type': 'application/json' } : {},
            body: method === 'POST' ? body : undefined,
          });
          expect(res.status).toBeGreaterThanOrEqual(400);
        }
      } finally {
        main.child.kill('SIGTERM');
        exit = await exitWithin(main, 10_000);
        ({ stdout, stderr } = main.output());
      }
    }, 60_000);
    afterAll(async () => {
      const redis = new IORedis(redisOptionsFromUrl(redisUrl));
      await deleteRedisPrefix(redis, redisPrefix).finally(() => redis.disconnect());
    });

    it('stops on SIGTERM', () => {
      // A graceful stop closes the app and exits 0, so orchestrators see a clean stop.
      expect(exit === 'hung' ? 'hung' : (exit.signal ?? exit.code)).toBe(0);
    });

    it('never writes a password, token, API key, source secret or source key to stdout or stderr', () => {
      expect(sourceKey.length).toBeGreaterThanOrEqual(32);
      secrets.push(sourceKey);
      expect(secrets).toHaveLength(7);
      for (const secret of secrets) {
        expect(secret.length).toBeGreaterThan(12);
        expect(stdout.includes(secret), `stdout leaks ${secret.slice(0, 12)}...`).toBe(false);
        expect(stderr.includes(secret), `stderr leaks ${secret.slice(0, 12)}...`).toBe(false);
      }
    });

    it('logs each request as a JSON line carrying the X-Request-Id it returned', () => {
      expect(requestIds).toHaveLength(6);
      const lines = stdout.split('\n');
      for (const id of requestIds) {
        const mentioning = lines.filter((line) => line.includes(id));
        expect(mentioning.length, `no log line for request ${id}`).toBeGreaterThan(0);
        const entries = mentioning.map((line) => JSON.parse(line) as Record<string, any>);
        for (const entry of entries) expect(entry.request_id ?? entry.req?.id).toBe(id);
        expect(entries.some((e) => e.request_id === id && typeof e.res?.statusCode === 'number' && e.msg)).toBe(true);
      }
    });

    it('logs each receive request once, accepted or refused with its code, under the X-Request-Id it returned', () => {
      expect(receiveStatuses).toEqual([200, 401]);
      const entries = stdout
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as Record<string, any>);
      expect(entries.find((e) => e.request_id === receiveIds[0])).toMatchObject({
        msg: 'webhook received',
        status: 'accepted',
        source: 'source:log-source',
      });
      expect(entries.find((e) => e.request_id === receiveIds[1])).toMatchObject({
        msg: 'webhook refused',
        status: 401,
        code: 'signature_missing',
      });
    });
  });

  it('refuses to start without CONDUIT_MASTER_KEY, naming it', async () => {
    const main = startMain({
      DATABASE_URL: db.url,
      CONDUIT_MASTER_KEY: undefined,
      REDIS_URL: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379',
      PORT: String(await freePort()),
      HOST: '127.0.0.1',
    });
    const exit = await exitWithin(main, 45_000);
    expect(exit).not.toBe('hung');
    expect((exit as Exit).code).toBeGreaterThan(0);
    const { stdout, stderr } = main.output();
    expect(stdout + stderr).toContain('CONDUIT_MASTER_KEY');
  }, 60_000);
});
