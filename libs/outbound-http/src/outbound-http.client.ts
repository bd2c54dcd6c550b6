// The one HTTP client for tenant-configured URLs: SSRF-vetted, time-boxed, size-capped, and it never throws.
import { CodedError } from '@conduit/platform';
import { promises as dns } from 'node:dns';
import http, { IncomingHttpHeaders } from 'node:http';
import https from 'node:https';
import { isIP, LookupFunction } from 'node:net';
import { performance } from 'node:perf_hooks';
import { AddressRefusal, addressRefusal, describeRefusal } from './address-policy';
import { warnOncePerHost } from './blocked-target-log';
import { classifyNetworkError } from './network-error-class';
import {
  OutboundErrorClass,
  OutboundHttpOptions,
  OutboundRequest,
  OutboundResult,
  ResolvedAddress,
} from './outbound-http.types';
import { parseRetryAfter } from './retry-after';

export const DEFAULT_OUTBOUND_HTTP_OPTIONS: OutboundHttpOptions = {
  connectTimeoutMs: 5_000,
  responseTimeoutMs: 15_000,
  maxResponseBytes: 64 * 1024,
  allowPrivateNetworks: false,
  allowLoopback: false,
  userAgent: 'Conduit-Webhooks/1.0',
  maxSockets: 256,
  resolveHostname: resolveAllAddresses,
  now: () => new Date(),
  warnBlocked: warnOncePerHost,
};

// Idle pooled sockets are dropped before common server keep-alive timeouts (Node: 5 s) so a
// reused socket is rarely one the server is closing at that moment.
const IDLE_SOCKET_TIMEOUT_MS = 4_000;

// The client computes these itself; a caller's copy could contradict the body or the vetted target.
const MANAGED_HEADERS = new Set(['host', 'content-length', 'transfer-encoding', 'connection']);

/** Its code is errno-like (the network errors' codes it is classified with: network-error-class.ts). */
class OutboundTimeoutError extends CodedError<'OUTBOUND_TIMEOUT'> {
  readonly code = 'OUTBOUND_TIMEOUT';
}

export class OutboundHttpClient {
  readonly options: OutboundHttpOptions;
  private readonly httpAgent: http.Agent;
  private readonly httpsAgent: https.Agent;

  constructor(options: Partial<OutboundHttpOptions> = {}) {
    this.options = { ...DEFAULT_OUTBOUND_HTTP_OPTIONS, ...options };
    const agentOptions = {
      keepAlive: true,
      maxSockets: this.options.maxSockets,
      maxFreeSockets: this.options.maxSockets,
      scheduling: 'lifo' as const,
      timeout: IDLE_SOCKET_TIMEOUT_MS,
    };
    this.httpAgent = new http.Agent(agentOptions);
    this.httpsAgent = new https.Agent(agentOptions);
  }

  async send(request: OutboundRequest): Promise<OutboundResult> {
    const startedAt = performance.now();
    const failure = (errorClass: OutboundErrorClass, errorMessage: string): OutboundResult => ({
      ok: false,
      headers: {},
      body: '',
      truncated: false,
      durationMs: Math.round(performance.now() - startedAt),
      errorClass,
      errorMessage,
    });

    const url = parseTargetUrl(request.url);
    if (!url) return failure('invalid_url', 'URL must be an absolute http:// or https:// URL');
    const hostname = url.hostname.replace(/^\[|\]$/g, '');

    let addresses: ResolvedAddress[];
    try {
      addresses = await this.resolve(hostname, request.timeoutMs);
    } catch (error) {
      return failure(classifyNetworkError(error), describeError(error));
    }
    if (addresses.length === 0) return failure('dns', `${hostname} resolved to no addresses`);
    const refusal = addresses
      .map(({ address }) => addressRefusal(address, this.options))
      .find((r): r is AddressRefusal => r !== null);
    if (refusal) {
      const reason = describeRefusal(refusal, hostname);
      this.options.warnBlocked(hostname, `outbound request refused (ssrf_blocked): ${reason}`);
      return failure('ssrf_blocked', reason);
    }

    try {
      return await this.exchange(url, hostname, addresses, request, startedAt);
    } catch (error) {
      // http.request throws synchronously on malformed header names or values.
      return failure(classifyNetworkError(error), describeError(error));
    }
  }

  /** Destroys pooled sockets; the client must not be used afterwards. */
  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }

  /** `budgetMs`: the request's own timeout, which the lookup may not outlast either. */
  private async resolve(hostname: string, budgetMs?: number): Promise<ResolvedAddress[]> {
    const family = isIP(hostname);
    if (family === 4 || family === 6) return [{ address: hostname, family }];
    const limitMs = Math.min(this.options.connectTimeoutMs, budgetMs ?? Infinity);
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new OutboundTimeoutError(`DNS lookup of ${hostname} took over ${limitMs} ms`)),
        limitMs,
      );
    });
    try {
      return await Promise.race([this.options.resolveHostname(hostname), deadline]);
    } finally {
      clearTimeout(timer);
    }
  }

  private exchange(
    url: URL,
    hostname: string,
    addresses: ResolvedAddress[],
    request: OutboundRequest,
    startedAt: number,
  ): Promise<OutboundResult> {
    const { maxResponseBytes } = this.options;
    const responseTimeoutMs = request.timeoutMs ?? this.options.responseTimeoutMs;
    const connectTimeoutMs = Math.min(this.options.connectTimeoutMs, responseTimeoutMs);
    const isHttps = url.protocol === 'https:';

    return new Promise<OutboundResult>((resolve) => {
      const timers: NodeJS.Timeout[] = [];
      const chunks: Buffer[] = [];
      let received = 0;
      let truncated = false;
      let statusCode: number | undefined;
      let headers: Record<string, string> = {};
      let settled = false;

      const settle = (outcome: { errorClass?: OutboundErrorClass; errorMessage?: string }): void => {
        if (settled) return;
        settled = true;
        timers.forEach(clearTimeout);
        const ok =
          outcome.errorClass === undefined && statusCode !== undefined && statusCode >= 200 && statusCode < 300;
        const errorClass = outcome.errorClass ?? (ok ? undefined : 'non_2xx');
        const retryAfterSeconds = parseRetryAfter(headers['retry-after'], this.options.now());
        resolve({
          ok,
          ...(statusCode !== undefined && { statusCode }),
          headers,
          body: decodeUtf8(Buffer.concat(chunks, received), truncated),
          truncated,
          durationMs: Math.round(performance.now() - startedAt),
          ...(errorClass && { errorClass, errorMessage: outcome.errorMessage ?? `HTTP ${statusCode}` }),
          ...(retryAfterSeconds !== undefined && { retryAfterSeconds }),
        });
      };
      const fail = (error: unknown): void =>
        settle({ errorClass: classifyNetworkError(error), errorMessage: describeError(error) });
      const abortAfter = (ms: number, message: string): NodeJS.Timeout => {
        const timer = setTimeout(
          () => {
            fail(new OutboundTimeoutError(message));
            req.destroy();
          },
          Math.max(0, ms),
        );
        timers.push(timer);
        return timer;
      };

      const req = (isHttps ? https : http).request({
        protocol: url.protocol,
        hostname,
        port: url.port || undefined,
        path: `${url.pathname}${url.search}`,
        method: request.method ?? 'POST',
        headers: this.requestHeaders(request),
        auth: url.username ? `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}` : undefined,
        agent: isHttps ? this.httpsAgent : this.httpAgent,
        lookup: pinnedLookup(addresses),
      });

      const elapsed = performance.now() - startedAt;
      abortAfter(responseTimeoutMs - elapsed, `no complete response within ${responseTimeoutMs} ms`);
      req.on('socket', (socket) => {
        if (!socket.connecting) return;
        const connectTimer = abortAfter(
          connectTimeoutMs - (performance.now() - startedAt),
          `could not connect within ${connectTimeoutMs} ms`,
        );
        socket.once('connect', () => clearTimeout(connectTimer));
      });
      req.on('error', fail);
      req.on('response', (res) => {
        statusCode = res.statusCode;
        headers = flattenHeaders(res.headers);
        res.on('data', (chunk: Buffer) => {
          const room = maxResponseBytes - received;
          if (chunk.length <= room) {
            chunks.push(chunk);
            received += chunk.length;
            return;
          }
          chunks.push(chunk.subarray(0, room));
          received += room;
          truncated = true;
          // Reading on would let an endless body hold the request until the response timeout.
          settle({});
          res.destroy();
        });
        res.on('end', () => settle({}));
        res.on('error', fail);
        res.on('close', () => {
          if (!res.complete)
            fail(Object.assign(new Error('connection closed before the response ended'), { code: 'ECONNRESET' }));
        });
      });
      req.end(request.body);
    });
  }

  private requestHeaders(request: OutboundRequest): Record<string, string> {
    const headers: Record<string, string> = {};
    const callerSetsAgent = Object.keys(request.headers).some((name) => name.toLowerCase() === 'user-agent');
    if (!callerSetsAgent) headers['User-Agent'] = this.options.userAgent;
    for (const [name, value] of Object.entries(request.headers)) {
      if (!MANAGED_HEADERS.has(name.toLowerCase())) headers[name] = value;
    }
    if (request.body !== undefined) headers['Content-Length'] = String(Buffer.byteLength(request.body));
    return headers;
  }
}

/** Nest-free construction, for the worker, scripts and benchmarks. */
export function createOutboundHttpClient(options: Partial<OutboundHttpOptions> = {}): OutboundHttpClient {
  return new OutboundHttpClient(options);
}

async function resolveAllAddresses(hostname: string): Promise<ResolvedAddress[]> {
  const found = await dns.lookup(hostname, { all: true, verbatim: true });
  return found.map(({ address, family }) => ({ address, family: family === 6 ? 6 : 4 }));
}

// Hands the socket only the addresses already vetted, so a second DNS answer (rebinding) is never used.
function pinnedLookup(addresses: ResolvedAddress[]): LookupFunction {
  return (_hostname, options, callback) => {
    process.nextTick(() => {
      if (options.all) callback(null, addresses);
      else callback(null, addresses[0].address, addresses[0].family);
    });
  };
}

function parseTargetUrl(raw: string): URL | undefined {
  try {
    const url = new URL(raw);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname ? url : undefined;
  } catch {
    return undefined;
  }
}

function flattenHeaders(source: IncomingHttpHeaders): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(source)) {
    if (value !== undefined) flat[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return flat;
}

// A cut body may end mid-character; streaming decode drops the incomplete tail instead of emitting U+FFFD.
function decodeUtf8(bytes: Buffer, truncated: boolean): string {
  return truncated ? new TextDecoder('utf-8').decode(bytes, { stream: true }) : bytes.toString('utf8');
}

function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as NodeJS.ErrnoException).code;
  return code && !error.message.includes(code) ? `${code}: ${error.message}` : error.message;
}
