import http from 'node:http';
import { AddressInfo } from 'node:net';
import { OutboundHttpClient, createOutboundHttpClient } from '@conduit/outbound-http';
import { DEFAULT_ERROR_HANDLING, TaskRequest } from '../definition';
import { OAuth2TokenCache, TaskCallResult, executeTaskCall } from '../runs';
import { InstanceCallParts, OpenedInstance, instanceTaskCall } from './instance-call';

interface Received {
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

const servers: http.Server[] = [];
const clients: OutboundHttpClient[] = [];

/** A tool on 127.0.0.1 that answers 200 {} and keeps what it received. */
async function tool(): Promise<{ url: string; requests: Received[] }> {
  const requests: Received[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      requests.push({ url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests };
}

function send(opened: OpenedInstance, request: Partial<TaskRequest> = {}): Promise<TaskCallResult> {
  const client = createOutboundHttpClient({ allowLoopback: true, warnBlocked: () => undefined });
  clients.push(client);
  return executeTaskCall(instanceTaskCall(opened, parts(request)), {
    http: client,
    tokens: new OAuth2TokenCache(client),
  });
}

function parts(request: Partial<TaskRequest> = {}): InstanceCallParts {
  return {
    runId: 'run-1',
    task: {
      task_tag: 'list_alerts',
      request: { method: 'GET', path: '/alerts', query: {}, headers: {}, body: null, ...request },
      output_fields: [],
      error_handling: { ...DEFAULT_ERROR_HANDLING, timeout_ms: 2_000 },
    },
    input: { q: 'x' },
    deps: { login: { session: 's-1' } },
  };
}

function instance(
  baseUrl: string,
  auth: Pick<OpenedInstance['instance'], 'auth_type' | 'auth_settings'>,
  secrets: Partial<OpenedInstance['secrets']> = {},
): OpenedInstance {
  return {
    instance: { id: 'instance-1', base_url: baseUrl, fields: { region: 'eu' }, ...auth },
    secrets: { fields: {}, credentials: {}, ...secrets },
  };
}

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

describe('instanceTaskCall', () => {
  it('takes the caller’s parts and the instance’s host, fields (secret ones opened and named) and auth', () => {
    const opened = instance(
      'https://tool.example/api',
      { auth_type: 'api_key', auth_settings: { header: 'X-Api-Key' } },
      { fields: { tenant_secret: 'f-secret' }, credentials: { key: 'k-1', token: undefined } },
    );
    expect(instanceTaskCall(opened, parts())).toStrictEqual({
      ...parts(),
      instanceId: 'instance-1',
      baseUrl: 'https://tool.example/api',
      fields: { region: 'eu', tenant_secret: 'f-secret' },
      secretFieldNames: ['tenant_secret'],
      // A credential the instance does not hold is not there (a template naming it fails to render).
      auth: { type: 'api_key', settings: { header: 'X-Api-Key' }, credentials: { key: 'k-1' } },
    });
  });

  it.each([
    ['none', {}, {}],
    ['basic', {}, { username: 'u', password: 'p' }],
    ['bearer', {}, { token: 't-1' }],
    ['api_key', { query: 'api_key' }, { key: 'k-1' }],
    [
      'oauth2_client_credentials',
      { token_url: 'https://idp.example/token', scope: 'read' },
      { client_id: 'c', client_secret: 's' },
    ],
  ] as const)('auth %s: the instance’s type, settings and credentials', (type, settings, credentials) => {
    const call = instanceTaskCall(
      instance('https://tool.example', { auth_type: type, auth_settings: settings }, { credentials }),
      parts(),
    );
    expect(call.auth).toEqual({ type, settings, credentials });
  });

  it('sends the instance’s auth for each type', async () => {
    const target = await tool();
    const sent = async (opened: OpenedInstance) => {
      const result = await send(opened);
      expect(result.status).toBe('success');
      return target.requests.at(-1) as Received;
    };
    expect(
      (await sent(instance(target.url, { auth_type: 'bearer', auth_settings: {} }, { credentials: { token: 't-1' } })))
        .headers.authorization,
    ).toBe('Bearer t-1');
    expect(
      (
        await sent(
          instance(
            target.url,
            { auth_type: 'basic', auth_settings: {} },
            { credentials: { username: 'u', password: 'p' } },
          ),
        )
      ).headers.authorization,
    ).toBe(`Basic ${Buffer.from('u:p').toString('base64')}`);
    expect(
      (
        await sent(
          instance(
            target.url,
            { auth_type: 'api_key', auth_settings: { header: 'X-Api-Key' } },
            { credentials: { key: 'k-1' } },
          ),
        )
      ).headers['x-api-key'],
    ).toBe('k-1');
    expect(
      (
        await sent(
          instance(
            target.url,
            { auth_type: 'api_key', auth_settings: { query: 'key' } },
            { credentials: { key: 'k-1' } },
          ),
        )
      ).url,
    ).toBe('/alerts?key=k-1');
    expect((await sent(instance(target.url, { auth_type: 'none', auth_settings: {} }))).headers.authorization).toBe(
      undefined,
    );
  });

  it('renders {{credentials.api_key}} (the stored key) and secret fields, and records them masked', async () => {
    const target = await tool();
    const result = await send(
      instance(
        target.url,
        { auth_type: 'api_key', auth_settings: { header: 'X-Other' } },
        { fields: { account: 'acct-secret-77' }, credentials: { key: 'k-98765' } },
      ),
      {
        path: '/a/{{instance.region}}',
        headers: { 'X-Key': 'k={{credentials.api_key}}' },
        body: { account: '{{instance.account}}', q: '{{input.q}}', session: '{{deps.login.session}}' },
      },
    );
    expect(result.status).toBe('success');
    expect(target.requests[0].url).toBe('/a/eu');
    expect(target.requests[0].headers['x-key']).toBe('k=k-98765');
    expect(JSON.parse(target.requests[0].body)).toEqual({ account: 'acct-secret-77', q: 'x', session: 's-1' });
    expect(recorded(result)).not.toContain('k-98765');
    expect(recorded(result)).not.toContain('acct-secret-77');
  });
});
