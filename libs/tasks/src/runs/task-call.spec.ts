import http, { IncomingMessage, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { OutboundHttpClient, createOutboundHttpClient } from '@conduit/outbound-http';
import { DEFAULT_ERROR_HANDLING, TaskErrorHandling, TaskOutputField, TaskRequest } from '../definition';
import { OAuth2TokenCache } from './oauth2-tokens';
import { TaskCall, TaskCallDeps, TaskCallResult, executeTaskCall } from './task-call';

type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;

interface Received {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

interface Tool {
  url: string;
  port: number;
  requests: Received[];
}

const servers: http.Server[] = [];
const clients: OutboundHttpClient[] = [];

async function tool(handler: Handler): Promise<Tool> {
  const state: Tool = { url: '', port: 0, requests: [] };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      state.requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      handler(req, res, body);
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.port = (server.address() as AddressInfo).port;
  state.url = `http://127.0.0.1:${state.port}`;
  return state;
}

const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
};

/** A receiver that answers with what it received, as JSON. */
const echo: Handler = (req, res, body) =>
  json(res, 200, { method: req.method, url: req.url, headers: req.headers, body });

function outbound(): OutboundHttpClient {
  const client = createOutboundHttpClient({ allowLoopback: true, warnBlocked: () => undefined });
  clients.push(client);
  return client;
}

function deps(over: Partial<TaskCallDeps> = {}): TaskCallDeps {
  const http = outbound();
  return { http, tokens: new OAuth2TokenCache(http), ...over };
}

function call(
  baseUrl: string,
  over: {
    request?: Partial<TaskRequest>;
    output_fields?: TaskOutputField[];
    error_handling?: Partial<TaskErrorHandling>;
    auth?: Partial<TaskCall['auth']>;
    fields?: Record<string, unknown>;
    secretFieldNames?: string[];
    input?: Record<string, unknown>;
    deps?: TaskCall['deps'];
  } = {},
): TaskCall {
  return {
    runId: 'run-1',
    instanceId: 'instance-1',
    task: {
      task_tag: 'list_alerts',
      request: { method: 'GET', path: '/alerts', query: {}, headers: {}, body: null, ...over.request },
      output_fields: over.output_fields ?? [],
      error_handling: { ...DEFAULT_ERROR_HANDLING, timeout_ms: 2_000, ...over.error_handling },
    },
    baseUrl,
    fields: over.fields ?? {},
    secretFieldNames: over.secretFieldNames ?? [],
    auth: { type: 'none', settings: {}, credentials: {}, ...over.auth },
    input: over.input ?? {},
    deps: over.deps ?? {},
  };
}

/** Everything a run records, as one text to search for leaks. */
const recorded = (result: TaskCallResult) => JSON.stringify({ attempts: result.attempts, error: result.error });

afterEach(async () => {
  clients.splice(0).forEach((c) => c.close());
  await Promise.all(
    servers.splice(0).map(
      (s) =>
        new Promise<void>((resolve) => {
          s.closeAllConnections();
          s.close(() => resolve());
        }),
    ),
  );
});

describe('executeTaskCall', () => {
  describe('the request', () => {
    it('renders input, instance fields and dependency outputs into path, query, headers and body', async () => {
      const target = await tool(echo);
      const result = await executeTaskCall(
        call(`${target.url}/api/v2/`, {
          request: {
            method: 'POST',
            path: '/hosts/{{input.host}}/isolate',
            query: { region: '{{instance.region}}', session: '{{deps.login.session}}' },
            headers: { 'X-Reason': 'because {{ input.reason }}', 'X-Count': '{{deps.count_hosts.total}}' },
            body: { comment: 'isolated: {{input.reason}}', ids: '{{deps.count_hosts.ids}}', n: 3 },
          },
          input: { host: 'web 1', reason: 'malware' },
          fields: { region: 'eu-1' },
          deps: { login: { session: 's-42' }, count_hosts: { total: 7, ids: ['a', 'b'] } },
        }),
        deps(),
      );
      expect(result).toMatchObject({ status: 'success', outputs: {}, response_status: 200, error: null });
      const [sent] = target.requests;
      expect(sent.method).toBe('POST');
      expect(sent.url).toBe('/api/v2/hosts/web%201/isolate?region=eu-1&session=s-42');
      expect(sent.headers).toMatchObject({
        'x-reason': 'because malware',
        'x-count': '7',
        'x-conduit-task-run': 'run-1',
        'content-type': 'application/json',
        accept: 'application/json',
        'user-agent': 'Conduit-Tasks/1.0',
      });
      expect(JSON.parse(sent.body)).toEqual({ comment: 'isolated: malware', ids: ['a', 'b'], n: 3 });
      expect(result.attempts).toEqual([
        expect.objectContaining({
          attempt: 1,
          request: expect.objectContaining({
            method: 'POST',
            url: `${target.url}/api/v2/hosts/web%201/isolate?region=eu-1&session=s-42`,
          }),
          response: expect.objectContaining({ status: 200, truncated: false }),
          error: null,
        }),
      ]);
    });

    it('percent-encodes path values, so a value cannot add segments, a query or another host', async () => {
      const target = await tool(echo);
      const result = await executeTaskCall(
        call(target.url, { request: { path: '/items/{{input.id}}' }, input: { id: '/evil.example/x?admin=1#y' } }),
        deps(),
      );
      expect(result.status).toBe('success');
      expect(target.requests.map((r) => r.url)).toEqual(['/items/%2Fevil.example%2Fx%3Fadmin%3D1%23y']);
    });

    it('refuses a value that makes a . or .. segment, sending nothing', async () => {
      const target = await tool(echo);
      for (const id of ['..', '.']) {
        const result = await executeTaskCall(
          call(target.url, { request: { path: '/a/{{input.id}}/b' }, input: { id } }),
          deps(),
        );
        expect(result).toMatchObject({ status: 'failure', error: { code: 'render_failed' }, attempts: [] });
      }
      expect(target.requests).toEqual([]);
      // An encoded dot is text: its % is encoded in turn.
      await executeTaskCall(
        call(target.url, { request: { path: '/a/{{input.id}}/b' }, input: { id: '%2e%2e' } }),
        deps(),
      );
      expect(target.requests.map((r) => r.url)).toEqual(['/a/%252e%252e/b']);
    });

    it('fails render_failed on a reference the data does not have, sending nothing', async () => {
      const target = await tool(echo);
      const result = await executeTaskCall(
        call(target.url, { request: { body: { x: '{{deps.login.session}}' } }, deps: {} }),
        deps(),
      );
      expect(result).toMatchObject({ status: 'failure', error: { code: 'render_failed' }, attempts: [] });
      expect(result.error?.message).toContain('request.body.x');
      expect(target.requests).toEqual([]);
    });

    it('sends credentials only to the instance host: credential_host_not_allowed before anything is sent', async () => {
      const instance = await tool(echo);
      const elsewhere = await tool(echo);
      // Saving refuses such a path; a definition that got past that still cannot take a credential elsewhere.
      const result = await executeTaskCall(
        call(instance.url, {
          request: { path: `@localhost:${elsewhere.port}/steal` },
          auth: { type: 'bearer', credentials: { token: 'tok-secret-123' } },
        }),
        deps(),
      );
      expect(result).toMatchObject({
        status: 'failure',
        error: { code: 'credential_host_not_allowed' },
        attempts: [],
      });
      expect(instance.requests).toEqual([]);
      expect(elsewhere.requests).toEqual([]);
    });
  });

  describe('auth, as the tool sees it', () => {
    it('basic: Authorization: Basic, recorded as [REDACTED]', async () => {
      const target = await tool(echo);
      const result = await executeTaskCall(
        call(target.url, { auth: { type: 'basic', credentials: { username: 'svc', password: 'pa:ss wörd-1' } } }),
        deps(),
      );
      expect(result.status).toBe('success');
      expect(target.requests[0].headers.authorization).toBe(
        `Basic ${Buffer.from('svc:pa:ss wörd-1').toString('base64')}`,
      );
      expect(result.attempts[0].request.headers.Authorization).toBe('[REDACTED]');
      expect(recorded(result)).not.toContain(Buffer.from('svc:pa:ss wörd-1').toString('base64'));
    });

    it('bearer: Authorization: Bearer <token>, over a task header of the same name', async () => {
      const target = await tool(echo);
      const result = await executeTaskCall(
        call(target.url, {
          request: { headers: { authorization: 'Token nope' } },
          auth: { type: 'bearer', credentials: { token: 'tok-secret-123' } },
        }),
        deps(),
      );
      expect(result.status).toBe('success');
      expect(target.requests[0].headers.authorization).toBe('Bearer tok-secret-123');
      expect(result.attempts[0].request.headers).toMatchObject({ Authorization: '[REDACTED]' });
      expect(result.attempts[0].request.headers.authorization).toBeUndefined();
    });

    it('api_key in a header, and in the query', async () => {
      const target = await tool(echo);
      const inHeader = await executeTaskCall(
        call(target.url, {
          auth: { type: 'api_key', settings: { header: 'X-Api-Key' }, credentials: { key: 'k-1234' } },
        }),
        deps(),
      );
      expect(inHeader.status).toBe('success');
      expect(target.requests[0].headers['x-api-key']).toBe('k-1234');
      expect(inHeader.attempts[0].request.headers['X-Api-Key']).toBe('[REDACTED]');

      const inQuery = await executeTaskCall(
        call(target.url, {
          request: { query: { q: 'x' } },
          auth: { type: 'api_key', settings: { query: 'api_key' }, credentials: { key: 'k-1234' } },
        }),
        deps(),
      );
      expect(inQuery.status).toBe('success');
      expect(target.requests[1].url).toBe('/alerts?q=x&api_key=k-1234');
      expect(inQuery.attempts[0].request.url).toBe(`${target.url}/alerts?q=x&api_key=[REDACTED]`);
      expect(recorded(inQuery)).not.toContain('k-1234');
    });

    it('{{credentials.x}} in a template sends the value and records [REDACTED]; api_key reads the key', async () => {
      const target = await tool(echo);
      const result = await executeTaskCall(
        call(target.url, {
          request: {
            path: '/u/{{credentials.username}}',
            headers: { 'X-Key': 'k={{credentials.api_key}}' },
            body: { key: '{{credentials.key}}' },
          },
          auth: { type: 'api_key', settings: { header: 'X-Other' }, credentials: { key: 'k-98765' } },
        }),
        deps(),
      );
      expect(result).toMatchObject({ status: 'failure', error: { code: 'render_failed' } });
      expect(result.error?.message).toContain('no credential named username');

      const ok = await executeTaskCall(
        call(target.url, {
          request: { headers: { 'X-Key': 'k={{credentials.api_key}}' }, body: { key: '{{credentials.key}}' } },
          auth: { type: 'api_key', settings: { header: 'X-Other' }, credentials: { key: 'k-98765' } },
        }),
        deps(),
      );
      expect(ok.status).toBe('success');
      expect(target.requests[0].headers['x-key']).toBe('k=k-98765');
      expect(JSON.parse(target.requests[0].body)).toEqual({ key: 'k-98765' });
      expect(ok.attempts[0].request.headers['X-Key']).toBe('k=[REDACTED]');
      expect(ok.attempts[0].request.body).toBe('{"key":"[REDACTED]"}');
      expect(recorded(ok)).not.toContain('k-98765');
    });

    describe('oauth2_client_credentials', () => {
      const oauth = (tokenUrl: string) => ({
        type: 'oauth2_client_credentials' as const,
        settings: { token_url: tokenUrl, scope: 'alerts:read' },
        credentials: { client_id: 'client a', client_secret: 'client-secret-777' },
      });

      it('fetches a token with the client credentials, and uses it for two runs (one token request)', async () => {
        let issued = 0;
        const tokens = await tool((_req, res) =>
          json(res, 200, { access_token: `at-${++issued}-abcdef`, expires_in: 3600 }),
        );
        const target = await tool(echo);
        const shared = deps();
        const first = await executeTaskCall(call(target.url, { auth: oauth(`${tokens.url}/token`) }), shared);
        const second = await executeTaskCall(call(target.url, { auth: oauth(`${tokens.url}/token`) }), shared);
        expect([first.status, second.status]).toEqual(['success', 'success']);
        expect(tokens.requests).toHaveLength(1);
        const [tokenRequest] = tokens.requests;
        expect(tokenRequest).toMatchObject({ method: 'POST', url: '/token' });
        expect(tokenRequest.headers['content-type']).toBe('application/x-www-form-urlencoded');
        expect(tokenRequest.headers.authorization).toBe(
          `Basic ${Buffer.from('client+a:client-secret-777').toString('base64')}`,
        );
        expect(Object.fromEntries(new URLSearchParams(tokenRequest.body))).toEqual({
          grant_type: 'client_credentials',
          scope: 'alerts:read',
        });
        expect(target.requests.map((r) => r.headers.authorization)).toEqual([
          'Bearer at-1-abcdef',
          'Bearer at-1-abcdef',
        ]);
        expect(recorded(first)).not.toContain('at-1-abcdef');
      });

      it('shares one token request among concurrent runs', async () => {
        const tokens = await tool((_req, res) =>
          setTimeout(() => json(res, 200, { access_token: 'at-shared-123', expires_in: 3600 }), 100),
        );
        const target = await tool(echo);
        const shared = deps();
        const results = await Promise.all(
          [1, 2, 3].map(() => executeTaskCall(call(target.url, { auth: oauth(tokens.url) }), shared)),
        );
        expect(results.map((r) => r.status)).toEqual(['success', 'success', 'success']);
        expect(tokens.requests).toHaveLength(1);
      });

      it('on a 401 from the tool, fetches a new token once and repeats the request once', async () => {
        let issued = 0;
        const tokens = await tool((_req, res) => json(res, 200, { access_token: `at-${++issued}-abcdef` }));
        const target = await tool((req, res) =>
          req.headers.authorization === 'Bearer at-1-abcdef'
            ? json(res, 401, { error: 'expired' })
            : json(res, 200, {}),
        );
        const result = await executeTaskCall(
          call(target.url, { auth: oauth(tokens.url), error_handling: { retries: 0 } }),
          deps(),
        );
        expect(result.status).toBe('success');
        expect(tokens.requests).toHaveLength(2);
        expect(target.requests.map((r) => r.headers.authorization)).toEqual([
          'Bearer at-1-abcdef',
          'Bearer at-2-abcdef',
        ]);
        expect(result.attempts.map((a) => [a.response?.status, a.error?.code ?? null])).toEqual([
          [401, 'http_error'],
          [200, null],
        ]);
      });

      it('a second 401 is final', async () => {
        let issued = 0;
        const tokens = await tool((_req, res) => json(res, 200, { access_token: `at-${++issued}-abcdef` }));
        const target = await tool((_req, res) => json(res, 401, { error: 'nope' }));
        const result = await executeTaskCall(
          call(target.url, { auth: oauth(tokens.url), error_handling: { retries: 3 } }),
          deps(),
        );
        expect(result).toMatchObject({
          status: 'failure',
          response_status: 401,
          error: { code: 'http_error', status_code: 401 },
        });
        expect(tokens.requests).toHaveLength(2);
        expect(target.requests).toHaveLength(2);
      });

      it('a failing token endpoint fails the run with oauth2_token_failed, the secret in no message', async () => {
        const tokens = await tool((_req, res) =>
          json(res, 401, { error: 'invalid_client', error_description: 'bad secret client-secret-777' }),
        );
        const target = await tool(echo);
        const result = await executeTaskCall(call(target.url, { auth: oauth(tokens.url) }), deps());
        expect(result).toMatchObject({ status: 'failure', error: { code: 'oauth2_token_failed' }, attempts: [] });
        expect(result.error?.message).toContain('HTTP 401: invalid_client');
        expect(result.error?.message).not.toContain('client-secret-777');
        expect(target.requests).toEqual([]);
      });
    });
  });

  describe('retries and timeouts', () => {
    it('retries a 500, then succeeds', async () => {
      let calls = 0;
      const target = await tool((_req, res) => (++calls < 3 ? json(res, 500, { e: 1 }) : json(res, 200, { ok: true })));
      const started = Date.now();
      const result = await executeTaskCall(
        call(target.url, { error_handling: { retries: 3, backoff: 'exponential', backoff_ms: 50 } }),
        deps(),
      );
      expect(result).toMatchObject({ status: 'success', response_status: 200, error: null });
      expect(result.attempts.map((a) => a.response?.status)).toEqual([500, 500, 200]);
      expect(result.attempts[0].error).toEqual({ code: 'http_error', message: 'the tool answered HTTP 500' });
      // 50 ms, then 100 ms.
      expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    });

    it('gives up after the retries with the last error', async () => {
      const target = await tool((_req, res) => json(res, 503, {}));
      const result = await executeTaskCall(call(target.url, { error_handling: { retries: 2 } }), deps());
      expect(result).toMatchObject({
        status: 'failure',
        response_status: 503,
        error: { code: 'http_error', status_code: 503 },
      });
      expect(target.requests).toHaveLength(3);
    });

    it('waits as a 429 Retry-After says, instead of the backoff', async () => {
      let calls = 0;
      const target = await tool((_req, res) =>
        ++calls === 1 ? json(res, 429, {}, { 'retry-after': '1' }) : json(res, 200, {}),
      );
      const started = Date.now();
      const result = await executeTaskCall(
        call(target.url, { error_handling: { retries: 1, backoff: 'none' } }),
        deps(),
      );
      const elapsed = Date.now() - started;
      expect(result.status).toBe('success');
      expect(result.attempts.map((a) => a.response?.status)).toEqual([429, 200]);
      expect(elapsed).toBeGreaterThanOrEqual(950);
      expect(elapsed).toBeLessThan(3_000);
    });

    it('does not retry another 4xx', async () => {
      const target = await tool((_req, res) => json(res, 404, { error: 'no such host' }));
      const result = await executeTaskCall(
        call(target.url, { error_handling: { retries: 3, backoff: 'fixed', backoff_ms: 10 } }),
        deps(),
      );
      expect(result).toMatchObject({ status: 'failure', error: { code: 'http_error', status_code: 404 } });
      expect(target.requests).toHaveLength(1);
      expect(result.attempts[0].response?.body).toBe('{"error":"no such host"}');
    });

    it('times each attempt out at timeout_ms: status timeout when the last one did', async () => {
      const target = await tool((_req, res) => {
        setTimeout(() => json(res, 200, {}), 1_500).unref();
      });
      const started = Date.now();
      const result = await executeTaskCall(
        call(target.url, { error_handling: { retries: 1, timeout_ms: 200 } }),
        deps(),
      );
      expect(result).toMatchObject({ status: 'timeout', response_status: null, error: { code: 'timeout' } });
      expect(result.attempts).toHaveLength(2);
      expect(result.attempts[0]).toMatchObject({ response: null, error: { code: 'timeout' } });
      expect(Date.now() - started).toBeLessThan(1_200);
    });

    it('retries a network error, and fails network_error', async () => {
      const probe = http.createServer();
      await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
      const { port } = probe.address() as AddressInfo;
      await new Promise<void>((resolve) => probe.close(() => resolve()));
      const result = await executeTaskCall(
        call(`http://127.0.0.1:${port}`, { error_handling: { retries: 1 } }),
        deps(),
      );
      expect(result).toMatchObject({ status: 'failure', error: { code: 'network_error' } });
      expect(result.error?.message).toContain('connection_refused');
      expect(result.attempts).toHaveLength(2);
    });

    it('is cancelled by the signal mid-request', async () => {
      const target = await tool(() => undefined);
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 150);
      const started = Date.now();
      const result = await executeTaskCall(
        call(target.url, { error_handling: { retries: 3, timeout_ms: 5_000 } }),
        deps({ signal: controller.signal }),
      );
      expect(result).toMatchObject({ status: 'cancelled', error: { code: 'cancelled' } });
      expect(result.attempts).toHaveLength(1);
      expect(target.requests).toHaveLength(1);
      expect(Date.now() - started).toBeLessThan(1_000);
    });

    it('is cancelled by the signal during a backoff wait, and calls beforeSend before each request', async () => {
      const target = await tool((_req, res) => json(res, 500, {}));
      const controller = new AbortController();
      const started = Date.now();
      let before = 0;
      const result = await executeTaskCall(
        call(target.url, { error_handling: { retries: 3, backoff: 'fixed', backoff_ms: 5_000 } }),
        deps({
          signal: controller.signal,
          beforeSend: () => {
            before += 1;
            setTimeout(() => controller.abort(), 100);
            return Promise.resolve();
          },
        }),
      );
      expect(result.status).toBe('cancelled');
      expect(result.attempts).toHaveLength(1);
      expect(before).toBe(1);
      expect(Date.now() - started).toBeLessThan(2_000);
    });
  });

  describe('outputs', () => {
    const fields: TaskOutputField[] = [
      { name: 'total', path: '$.meta.total', type: 'number', is_array: false },
      { name: 'ids', path: '$.data[*].id', type: 'string', is_array: true },
      { name: 'first', path: '$.data[0]', type: 'object', is_array: false },
      { name: 'tags', path: '$.meta.tags', type: 'array', is_array: false },
      { name: 'missing', path: '$.meta.nope', type: 'string', is_array: false },
    ];

    it('picks typed outputs, arrays whole, and counts the records of the longest array output', async () => {
      const target = await tool((_req, res) =>
        json(res, 200, { meta: { total: 2, tags: ['x', 'y', 'z'] }, data: [{ id: 'a' }, { id: 'b' }] }),
      );
      const result = await executeTaskCall(call(target.url, { output_fields: fields }), deps());
      expect(result).toMatchObject({
        status: 'success',
        outputs: { total: 2, ids: ['a', 'b'], first: { id: 'a' }, tags: ['x', 'y', 'z'], missing: null },
        records_processed: 3,
      });
    });

    it('fails output_extraction_failed on a type mismatch, coercing nothing', async () => {
      const target = await tool((_req, res) =>
        json(res, 200, { meta: { total: '2', tags: [] }, data: [{ id: 'a' }, { id: 7 }] }),
      );
      const result = await executeTaskCall(call(target.url, { output_fields: fields }), deps());
      expect(result).toMatchObject({
        status: 'failure',
        outputs: null,
        response_status: 200,
        error: { code: 'output_extraction_failed' },
      });
      expect(result.error?.message).toContain('total: expected a number, got a string');
      expect(result.error?.message).toContain('ids: match 1: expected a string, got a number');
    });

    it('fails output_extraction_failed when the body is not JSON', async () => {
      const target = await tool((_req, res) => res.end('<html>'));
      const result = await executeTaskCall(call(target.url, { output_fields: fields }), deps());
      expect(result).toMatchObject({ status: 'failure', error: { code: 'output_extraction_failed' } });
    });
  });

  describe('masking', () => {
    it('masks credentials and secret field values the tool echoes, in the request and the response', async () => {
      const target = await tool(echo);
      const result = await executeTaskCall(
        call(target.url, {
          request: {
            method: 'POST',
            path: '/t/{{instance.tenant_secret}}',
            headers: { 'X-Tenant': '{{instance.tenant_secret}}' },
            body: { secret: '{{instance.tenant_secret}}', region: '{{instance.region}}' },
          },
          fields: { tenant_secret: 'field-secret-555', region: 'eu-1' },
          secretFieldNames: ['tenant_secret'],
          auth: { type: 'api_key', settings: { query: 'key' }, credentials: { key: 'query-key-4321' } },
        }),
        deps(),
      );
      expect(result.status).toBe('success');
      expect(target.requests[0].url).toBe('/t/field-secret-555?key=query-key-4321');
      const text = recorded(result);
      for (const secret of ['field-secret-555', 'query-key-4321']) expect(text).not.toContain(secret);
      expect(result.attempts[0].request).toEqual({
        method: 'POST',
        url: `${target.url}/t/[REDACTED]?key=[REDACTED]`,
        headers: expect.objectContaining({ 'X-Tenant': '[REDACTED]' }),
        body: '{"secret":"[REDACTED]","region":"eu-1"}',
      });
      expect(result.attempts[0].response?.body).toContain('eu-1');
      expect(result.attempts[0].response?.body).toContain('[REDACTED]');
    });

    it('masks the bearer token and the basic password echoed back, and in error messages', async () => {
      const target = await tool((req, res) => json(res, 400, { echoed: req.headers.authorization }));
      const bearer = await executeTaskCall(
        call(target.url, { auth: { type: 'bearer', credentials: { token: 'tok-secret-123' } } }),
        deps(),
      );
      expect(bearer.attempts[0].response?.body).toBe('{"echoed":"Bearer [REDACTED]"}');
      const basic = await executeTaskCall(
        call(target.url, { auth: { type: 'basic', credentials: { username: 'svc', password: 'basic-pass-999' } } }),
        deps(),
      );
      expect(recorded(basic)).not.toContain(Buffer.from('svc:basic-pass-999').toString('base64'));
      expect(basic.attempts[0].response?.body).toBe('{"echoed":"Basic [REDACTED]"}');
    });

    it('masks the OAuth2 access token echoed back', async () => {
      const tokens = await tool((_req, res) => json(res, 200, { access_token: 'access-token-2468', expires_in: 60 }));
      const target = await tool(echo);
      const result = await executeTaskCall(
        call(target.url, {
          auth: {
            type: 'oauth2_client_credentials',
            settings: { token_url: tokens.url },
            credentials: { client_id: 'cid', client_secret: 'csecret-1' },
          },
        }),
        deps(),
      );
      expect(result.status).toBe('success');
      expect(target.requests[0].headers.authorization).toBe('Bearer access-token-2468');
      expect(recorded(result)).not.toContain('access-token-2468');
    });

    it('cuts a long response body to an excerpt and says so', async () => {
      const target = await tool((_req, res) => json(res, 500, { big: 'x'.repeat(10_000) }));
      const result = await executeTaskCall(call(target.url), deps());
      expect(result.attempts[0].response?.body).toHaveLength(4096);
      expect(result.attempts[0].response?.truncated).toBe(true);
    });
  });
});
