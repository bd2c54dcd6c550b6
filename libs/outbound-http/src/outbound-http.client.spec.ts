import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http, { IncomingMessage, ServerResponse } from 'node:http';
import https from 'node:https';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OutboundHttpClient, createOutboundHttpClient } from './outbound-http.client';
import { OutboundHttpOptions } from './outbound-http.types';
import { BlockedTargetLog } from './blocked-target-log';

type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;

interface TestServer {
  url: string;
  port: number;
  requests: Array<{ method?: string; url?: string; headers: http.IncomingHttpHeaders; body: string }>;
  connections: number;
  close(): Promise<void>;
}

async function startServer(handler: Handler, server: http.Server = http.createServer()): Promise<TestServer> {
  const state: TestServer = {
    url: '',
    port: 0,
    requests: [],
    connections: 0,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  server.on('connection', () => (state.connections += 1));
  server.on('secureConnection', () => (state.connections += 1));
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      state.requests.push({ method: req.method, url: req.url, headers: req.headers, body });
      handler(req, res, body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.port = (server.address() as AddressInfo).port;
  state.url = `http://127.0.0.1:${state.port}`;
  return state;
}

const clients: OutboundHttpClient[] = [];
const servers: TestServer[] = [];

function client(options: Partial<OutboundHttpOptions> = {}): OutboundHttpClient {
  const created = createOutboundHttpClient({ allowLoopback: true, warnBlocked: () => undefined, ...options });
  clients.push(created);
  return created;
}

async function server(handler: Handler, base?: http.Server): Promise<TestServer> {
  const started = await startServer(handler, base);
  servers.push(started);
  return started;
}

afterEach(async () => {
  clients.splice(0).forEach((c) => c.close());
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

describe('OutboundHttpClient', () => {
  it('POSTs the body with its headers and returns a 2xx as ok', async () => {
    const target = await server((_req, res) => {
      res.writeHead(201, { 'content-type': 'application/json', 'x-receipt': 'r1' });
      res.end('{"received":true}');
    });

    const result = await client().send({
      url: `${target.url}/hooks?x=1`,
      headers: { 'Content-Type': 'application/json', 'X-Loki-Event': 'order.created' },
      body: '{"é":1}',
    });

    expect(result).toMatchObject({
      ok: true,
      statusCode: 201,
      body: '{"received":true}',
      truncated: false,
      headers: { 'content-type': 'application/json', 'x-receipt': 'r1' },
    });
    expect(result.errorClass).toBeUndefined();
    expect(result.durationMs).toBeGreaterThanOrEqual(0);
    const [received] = target.requests;
    expect(received).toMatchObject({ method: 'POST', url: '/hooks?x=1', body: '{"é":1}' });
    expect(received.headers).toMatchObject({
      'content-type': 'application/json',
      'x-loki-event': 'order.created',
      'user-agent': 'Conduit-Webhooks/1.0',
      'content-length': String(Buffer.byteLength('{"é":1}')),
      host: `127.0.0.1:${target.port}`,
    });
  });

  it('reports a 500 as non_2xx with its status and body', async () => {
    const target = await server((_req, res) => {
      res.writeHead(500);
      res.end('boom');
    });

    const result = await client().send({ url: target.url, headers: {}, body: '{}' });

    expect(result).toMatchObject({ ok: false, statusCode: 500, body: 'boom', errorClass: 'non_2xx' });
    expect(result.errorMessage).toContain('500');
  });

  it('reuses one kept-alive connection for consecutive requests', async () => {
    const target = await server((_req, res) => res.end('ok'));
    const outbound = client();

    for (let i = 0; i < 3; i += 1) {
      expect((await outbound.send({ url: target.url, headers: {}, body: 'x' })).ok).toBe(true);
    }

    expect(target.requests).toHaveLength(3);
    expect(target.connections).toBe(1);
  });

  it('times out a server slower than responseTimeoutMs', async () => {
    const target = await server((_req, res) => {
      setTimeout(() => res.end('late'), 1_000).unref();
    });

    const result = await client({ responseTimeoutMs: 200 }).send({ url: target.url, headers: {}, body: '{}' });

    expect(result).toMatchObject({ ok: false, errorClass: 'timeout' });
    expect(result.durationMs).toBeGreaterThanOrEqual(190);
    expect(result.durationMs).toBeLessThan(900);
  });

  it("holds a request's own timeoutMs instead of the client's, for the lookup too", async () => {
    const target = await server((_req, res) => {
      setTimeout(() => res.end('late'), 1_000).unref();
    });
    const outbound = client({ responseTimeoutMs: 5_000 });

    const result = await outbound.send({ url: target.url, method: 'GET', headers: {}, timeoutMs: 200 });

    expect(result).toMatchObject({ ok: false, errorClass: 'timeout' });
    expect(result.durationMs).toBeLessThan(900);
    const slowDns = client({ connectTimeoutMs: 5_000, resolveHostname: () => new Promise(() => undefined) });
    const started = performance.now();
    const lookup = await slowDns.send({ url: 'http://slow-dns.example.test/', headers: {}, timeoutMs: 150 });
    expect(lookup.errorClass).toBe('timeout');
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  it('sends HEAD and ends on the headers', async () => {
    const target = await server((req, res) => {
      res.writeHead(req.method === 'HEAD' ? 204 : 500, { 'content-length': '10' });
      res.end();
    });

    const result = await client().send({ url: target.url, method: 'HEAD', headers: {} });

    expect(result).toMatchObject({ ok: true, statusCode: 204, body: '' });
  });

  it('times out a body that stalls after the headers, keeping the status', async () => {
    const target = await server((_req, res) => {
      res.writeHead(200);
      res.write('partial');
    });

    const result = await client({ responseTimeoutMs: 200 }).send({ url: target.url, headers: {}, body: '{}' });

    expect(result).toMatchObject({ ok: false, statusCode: 200, errorClass: 'timeout', body: 'partial' });
  });

  it('takes a per-request timeout and byte cap over the client options', async () => {
    const slow = await server((_req, res) => {
      setTimeout(() => res.end('late'), 1_000).unref();
    });
    const outbound = client({ responseTimeoutMs: 5_000, maxResponseBytes: 4 });
    const timedOut = await outbound.send({ url: slow.url, headers: {}, timeoutMs: 150 });
    expect(timedOut).toMatchObject({ ok: false, errorClass: 'timeout' });
    expect(timedOut.durationMs).toBeLessThan(900);
    const fast = await server((_req, res) => res.end('0123456789'));
    expect(await outbound.send({ url: fast.url, headers: {}, maxResponseBytes: 100 })).toMatchObject({
      ok: true,
      body: '0123456789',
      truncated: false,
    });
    expect(await outbound.send({ url: fast.url, headers: {} })).toMatchObject({ body: '0123', truncated: true });
  });

  it('aborts an exchange in flight when the signal fires, and refuses to start on an aborted one', async () => {
    const target = await server((_req, res) => {
      setTimeout(() => res.end('late'), 2_000).unref();
    });
    const outbound = client();
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const aborted = await outbound.send({ url: target.url, headers: {}, signal: controller.signal });
    expect(aborted).toMatchObject({ ok: false, errorClass: 'aborted' });
    expect(aborted.durationMs).toBeLessThan(1_000);
    expect(target.requests).toHaveLength(1);
    const again = await outbound.send({ url: target.url, headers: {}, signal: controller.signal });
    expect(again).toMatchObject({ ok: false, errorClass: 'aborted' });
    expect(target.requests).toHaveLength(1);
  });

  it('classifies a closed port as connection_refused', async () => {
    const probe = http.createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as AddressInfo;
    await new Promise<void>((resolve) => probe.close(() => resolve()));

    const result = await client().send({ url: `http://127.0.0.1:${port}/`, headers: {}, body: '{}' });

    expect(result).toMatchObject({ ok: false, errorClass: 'connection_refused' });
    expect(result.statusCode).toBeUndefined();
  });

  it('cuts a huge body at maxResponseBytes and flags it, status deciding ok', async () => {
    const chunk = 'a'.repeat(64 * 1024);
    const huge = (status: number) => (_req: IncomingMessage, res: ServerResponse) => {
      res.writeHead(status);
      for (let i = 0; i < 16; i += 1) res.write(chunk);
      res.end();
    };
    const okTarget = await server(huge(200));
    const failingTarget = await server(huge(503));
    const outbound = client({ maxResponseBytes: 1000 });

    const ok = await outbound.send({ url: okTarget.url, headers: {}, body: '{}' });
    const failing = await outbound.send({ url: failingTarget.url, headers: {}, body: '{}' });

    expect(ok).toMatchObject({ ok: true, statusCode: 200, truncated: true });
    expect(ok.errorClass).toBeUndefined();
    expect(ok.body).toHaveLength(1000);
    expect(failing).toMatchObject({ ok: false, statusCode: 503, truncated: true, errorClass: 'non_2xx' });
    expect(failing.body).toHaveLength(1000);
  });

  it('never splits a multi-byte character when truncating', async () => {
    const target = await server((_req, res) => res.end('€€€€'));

    const result = await client({ maxResponseBytes: 4 }).send({ url: target.url, headers: {}, method: 'GET' });

    expect(result).toMatchObject({ truncated: true, body: '€' });
  });

  it('refuses loopback by default without contacting the server', async () => {
    const target = await server((_req, res) => res.end('should not happen'));

    const result = await client({ allowLoopback: false }).send({ url: target.url, headers: {}, body: '{}' });

    expect(result).toMatchObject({ ok: false, errorClass: 'ssrf_blocked' });
    expect(result.errorMessage).toContain('127.0.0.1');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(target.connections).toBe(0);
    expect(target.requests).toHaveLength(0);
  });

  it('refuses localhost by name when loopback is not allowed', async () => {
    const result = await client({ allowLoopback: false }).send({ url: 'http://localhost:9/', headers: {} });

    expect(result.errorClass).toBe('ssrf_blocked');
  });

  it('allows loopback when allowLoopback is set', async () => {
    const target = await server((_req, res) => res.end('hello'));

    const result = await client({ allowLoopback: true }).send({ url: target.url, headers: {}, method: 'GET' });

    expect(result).toMatchObject({ ok: true, body: 'hello' });
  });

  it('refuses the cloud metadata address even with private networks allowed', async () => {
    const outbound = client({ allowPrivateNetworks: true, allowLoopback: true });

    const result = await outbound.send({ url: 'http://169.254.169.254/latest/meta-data/', headers: {} });
    const mapped = await outbound.send({ url: 'http://[::ffff:169.254.169.254]/', headers: {} });

    expect(result.errorClass).toBe('ssrf_blocked');
    expect(mapped.errorClass).toBe('ssrf_blocked');
  });

  it('refuses a private address by default without connecting', async () => {
    const result = await client().send({ url: 'http://10.0.0.1/', headers: {}, body: '{}' });

    expect(result).toMatchObject({ ok: false, errorClass: 'ssrf_blocked' });
    expect(result.durationMs).toBeLessThan(100);
  });

  it('refuses a hostname when any of its addresses is disallowed', async () => {
    const outbound = client({
      allowLoopback: false,
      resolveHostname: async () => [
        { address: '93.184.216.34', family: 4 },
        { address: '10.1.2.3', family: 4 },
      ],
    });

    const result = await outbound.send({ url: 'http://mixed.example.test/', headers: {} });

    expect(result.errorClass).toBe('ssrf_blocked');
    expect(result.errorMessage).toContain('10.1.2.3');
  });

  it('names the setting that would allow a refused address, and logs each refused host once', async () => {
    const warnings: string[] = [];
    const log = new BlockedTargetLog((message) => warnings.push(message));
    const outbound = client({
      allowPrivateNetworks: false,
      resolveHostname: async () => [{ address: '192.168.1.20', family: 4 }],
      warnBlocked: (hostname, message) => log.note(hostname, message),
    });

    const first = await outbound.send({ url: 'http://printer.example.test/in', headers: {} });
    await outbound.send({ url: 'http://PRINTER.example.test/other', headers: {} });
    await outbound.send({ url: 'http://scanner.example.test/', headers: {} });

    expect(first.errorClass).toBe('ssrf_blocked');
    expect(first.errorMessage).toBe(
      'printer.example.test resolves to 192.168.1.20, a private network address, refused unless OUTBOUND_ALLOW_PRIVATE_NETWORKS=true is set',
    );
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toContain('printer.example.test');
    expect(warnings[0]).toContain('OUTBOUND_ALLOW_PRIVATE_NETWORKS=true');
    expect(warnings[1]).toContain('scanner.example.test');
  });

  it('connects to the vetted address and keeps the hostname in the Host header', async () => {
    const target = await server((_req, res) => res.end('pinned'));
    const lookups: string[] = [];
    const outbound = client({
      resolveHostname: async (hostname) => {
        lookups.push(hostname);
        return [{ address: '127.0.0.1', family: 4 }];
      },
    });

    // hooks.example.test does not exist in DNS: the connection can only use the vetted address.
    const result = await outbound.send({ url: `http://hooks.example.test:${target.port}/in`, headers: {} });

    expect(result).toMatchObject({ ok: true, body: 'pinned' });
    expect(lookups).toEqual(['hooks.example.test']);
    expect(target.requests[0].headers.host).toBe(`hooks.example.test:${target.port}`);
  });

  it('rejects non-http URLs as invalid_url', async () => {
    const outbound = client();

    expect((await outbound.send({ url: 'ftp://x', headers: {} })).errorClass).toBe('invalid_url');
    expect((await outbound.send({ url: 'not a url', headers: {} })).errorClass).toBe('invalid_url');
    expect((await outbound.send({ url: 'file:///etc/passwd', headers: {} })).errorClass).toBe('invalid_url');
  });

  it('classifies an unresolvable hostname as dns', async () => {
    const result = await client().send({ url: 'http://does-not-exist.invalid/', headers: {} });

    expect(result).toMatchObject({ ok: false, errorClass: 'dns' });
  });

  it('classifies a resolver that never answers as timeout', async () => {
    const outbound = client({ connectTimeoutMs: 100, resolveHostname: () => new Promise(() => undefined) });

    const result = await outbound.send({ url: 'http://slow-dns.example.test/', headers: {} });

    expect(result.errorClass).toBe('timeout');
  });

  it('parses Retry-After in seconds and as an HTTP date', async () => {
    const now = new Date('2030-01-01T00:00:00Z');
    const seconds = await server((_req, res) => {
      res.writeHead(429, { 'retry-after': '120' });
      res.end();
    });
    const dated = await server((_req, res) => {
      res.writeHead(503, { 'retry-after': 'Tue, 01 Jan 2030 00:05:00 GMT' });
      res.end();
    });
    const outbound = client({ now: () => now });

    const bySeconds = await outbound.send({ url: seconds.url, headers: {} });
    const byDate = await outbound.send({ url: dated.url, headers: {} });

    expect(bySeconds).toMatchObject({ statusCode: 429, errorClass: 'non_2xx', retryAfterSeconds: 120 });
    expect(byDate).toMatchObject({ statusCode: 503, retryAfterSeconds: 300 });
  });

  it('does not follow redirects', async () => {
    const target = await server((req, res) => {
      if (req.url === '/moved') {
        res.writeHead(302, { location: '/elsewhere' });
        res.end();
      } else {
        res.end('followed');
      }
    });

    const result = await client().send({ url: `${target.url}/moved`, headers: {}, body: '{}' });

    expect(result).toMatchObject({ ok: false, statusCode: 302, errorClass: 'non_2xx' });
    expect(result.headers.location).toBe('/elsewhere');
    expect(target.requests.map((r) => r.url)).toEqual(['/moved']);
  });

  it('returns a malformed header value as a failure instead of throwing', async () => {
    const target = await server((_req, res) => res.end('ok'));

    const result = await client().send({ url: target.url, headers: { 'X-Bad': 'line\nbreak' } });

    expect(result.ok).toBe(false);
    expect(result.errorClass).toBe('network');
    expect(target.requests).toHaveLength(0);
  });

  describe('TLS', () => {
    const opensslAvailable = (() => {
      try {
        execFileSync('openssl', ['version'], { stdio: 'ignore' });
        return true;
      } catch {
        return false;
      }
    })();

    // Needs the openssl CLI to mint a throwaway self-signed certificate.
    it.skipIf(!opensslAvailable)('classifies a self-signed certificate as tls', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'outbound-tls-'));
      try {
        execFileSync(
          'openssl',
          [
            'req',
            '-x509',
            '-newkey',
            'ec',
            '-pkeyopt',
            'ec_paramgen_curve:P-256',
            '-nodes',
            '-keyout',
            join(dir, 'key.pem'),
            '-out',
            join(dir, 'cert.pem'),
            '-days',
            '1',
            '-subj',
            '/CN=127.0.0.1',
            '-addext',
            'subjectAltName=IP:127.0.0.1',
          ],
          { stdio: 'ignore' },
        );
        const tlsServer = https.createServer({
          key: readFileSync(join(dir, 'key.pem')),
          cert: readFileSync(join(dir, 'cert.pem')),
        });
        const target = await server((_req, res) => res.end('secret'), tlsServer);

        const result = await client().send({ url: `https://127.0.0.1:${target.port}/`, headers: {}, body: '{}' });

        expect(result).toMatchObject({ ok: false, errorClass: 'tls' });
        expect(result.errorMessage).toMatch(/self[- ]signed/i);
        expect(target.requests).toHaveLength(0);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
});
