import http from 'node:http';
import { AddressInfo } from 'node:net';
import { OutboundHttpClient, createOutboundHttpClient } from '@conduit/outbound-http';
import { OAuth2TokenCache, OAuth2TokenError } from './oauth2-tokens';

let server: http.Server;
let tokenUrl: string;
let client: OutboundHttpClient;
let issued: number;
let answer: (n: number) => { status: number; body: unknown; delayMs?: number };

beforeEach(async () => {
  issued = 0;
  answer = (n) => ({ status: 200, body: { access_token: `at-${n}`, expires_in: 120 } });
  server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const { status, body, delayMs } = answer(++issued);
      setTimeout(() => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      }, delayMs ?? 0);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  tokenUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/token`;
  client = createOutboundHttpClient({ allowLoopback: true, warnBlocked: () => undefined });
});

afterEach(async () => {
  client.close();
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const credentials = { client_id: 'id-1', client_secret: 'secret-1' };

describe('OAuth2TokenCache', () => {
  it('keeps a token until 30 s before it expires', async () => {
    let now = Date.parse('2026-01-01T00:00:00Z');
    const cache = new OAuth2TokenCache(client, () => new Date(now));
    expect(await cache.token('i1', { token_url: tokenUrl }, credentials)).toBe('at-1');
    now += 89_000;
    expect(await cache.token('i1', { token_url: tokenUrl }, credentials)).toBe('at-1');
    now += 1_000;
    expect(await cache.token('i1', { token_url: tokenUrl }, credentials)).toBe('at-2');
    expect(await cache.token('i2', { token_url: tokenUrl }, credentials)).toBe('at-3');
  });

  it('assumes a lifetime of 300 s when the answer has no expires_in', async () => {
    answer = (n) => ({ status: 200, body: { access_token: `at-${n}` } });
    let now = 0;
    const cache = new OAuth2TokenCache(client, () => new Date(now));
    await cache.token('i1', { token_url: tokenUrl }, credentials);
    now = 269_000;
    expect(await cache.token('i1', { token_url: tokenUrl }, credentials)).toBe('at-1');
    now = 270_000;
    expect(await cache.token('i1', { token_url: tokenUrl }, credentials)).toBe('at-2');
  });

  it('fetches again when the credentials, scope or token_url change, and after invalidate', async () => {
    const cache = new OAuth2TokenCache(client);
    await cache.token('i1', { token_url: tokenUrl }, credentials);
    expect(await cache.token('i1', { token_url: tokenUrl }, { ...credentials, client_secret: 'rotated' })).toBe('at-2');
    expect(await cache.token('i1', { token_url: tokenUrl, scope: 's' }, credentials)).toBe('at-3');
    cache.invalidate('i1', 'at-1');
    expect(await cache.token('i1', { token_url: tokenUrl, scope: 's' }, credentials)).toBe('at-3');
    cache.invalidate('i1', 'at-3');
    expect(await cache.token('i1', { token_url: tokenUrl, scope: 's' }, credentials)).toBe('at-4');
  });

  it('lets one waiter give up without failing the shared fetch', async () => {
    answer = (n) => ({ status: 200, body: { access_token: `at-${n}` }, delayMs: 150 });
    const cache = new OAuth2TokenCache(client);
    const controller = new AbortController();
    const impatient = cache.token('i1', { token_url: tokenUrl }, credentials, controller.signal);
    const patient = cache.token('i1', { token_url: tokenUrl }, credentials);
    controller.abort();
    await expect(impatient).rejects.toThrow('aborted');
    expect(await patient).toBe('at-1');
    expect(issued).toBe(1);
  });

  it.each([
    [
      { status: 400, body: { error: 'invalid_scope', error_description: 'secret-1 may not' } },
      'HTTP 400: invalid_scope',
    ],
    [{ status: 200, body: { token_type: 'bearer' } }, 'no access_token'],
    [{ status: 200, body: [1] }, 'other than a JSON object'],
    [{ status: 200, body: { access_token: 'a\nb' } }, 'cannot be sent in a header'],
  ])('fails oauth2_token_failed on %j, never showing the secret', async (reply, message) => {
    answer = () => reply;
    const failure = new OAuth2TokenCache(client).token('i1', { token_url: tokenUrl }, credentials);
    await expect(failure).rejects.toThrow(OAuth2TokenError);
    await expect(failure).rejects.toThrow(message);
    await failure.catch((err: Error) => expect(err.message).not.toContain('secret-1'));
  });

  it('fails oauth2_token_failed when the endpoint cannot be reached or is not configured', async () => {
    const cache = new OAuth2TokenCache(client);
    await expect(cache.token('i1', { token_url: 'http://127.0.0.1:1/token' }, credentials)).rejects.toThrow(
      /connection_refused/,
    );
    await expect(cache.token('i2', {}, credentials)).rejects.toThrow('no token_url');
  });
});
