// Shapes of the outbound HTTP client: what callers configure, send and get back.

export type OutboundErrorClass =
  | 'timeout'
  | 'dns'
  | 'connection_refused'
  | 'connection_reset'
  | 'tls'
  | 'ssrf_blocked'
  | 'invalid_url'
  | 'non_2xx'
  | 'network'
  /** The request's AbortSignal fired (only callers that pass one see it). */
  | 'aborted';

export type OutboundMethod = 'POST' | 'PUT' | 'PATCH' | 'GET' | 'DELETE' | 'HEAD';

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

export interface OutboundHttpOptions {
  /** DNS lookup plus TCP connect of a new socket. */
  connectTimeoutMs: number;
  /** Whole exchange from send() to the last body byte. */
  responseTimeoutMs: number;
  /** Response bytes kept; the rest is discarded and `truncated` set. */
  maxResponseBytes: number;
  allowPrivateNetworks: boolean;
  allowLoopback: boolean;
  userAgent: string;
  maxSockets: number;
  /** Resolves a hostname to every address; defaults to dns.lookup. Tests substitute it. */
  resolveHostname: (hostname: string) => Promise<ResolvedAddress[]>;
  /** Wall clock for Retry-After dates. */
  now: () => Date;
  /**
   * Told of every request the address policy refused (a host resolving to a refused address): by default logged at
   * warn level once per host and process, so an operator sees which setting would allow it without a line per attempt.
   */
  warnBlocked: (hostname: string, message: string) => void;
}

export interface OutboundRequest {
  url: string;
  method?: OutboundMethod;
  headers: Record<string, string>;
  body?: string | Buffer;
  /** This request's limit for the whole exchange, instead of options.responseTimeoutMs (DNS and connect included). */
  timeoutMs?: number;
  /** Response bytes kept for this request, instead of options.maxResponseBytes. */
  maxResponseBytes?: number;
  /** Aborts the request (DNS, connect or exchange): the result is errorClass 'aborted'. */
  signal?: AbortSignal;
}

export interface OutboundResult {
  /** True only for a 2xx status. */
  ok: boolean;
  statusCode?: number;
  headers: Record<string, string>;
  /** UTF-8 body, cut at maxResponseBytes. */
  body: string;
  truncated: boolean;
  durationMs: number;
  errorClass?: OutboundErrorClass;
  errorMessage?: string;
  retryAfterSeconds?: number;
}
