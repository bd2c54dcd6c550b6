// OAuth2 client-credentials tokens (RFC 6749 §4.4) for instances that use them: fetched from the instance's token_url
// with the client id and secret in HTTP Basic (§2.3.1), cached per instance until shortly before they expire, and
// fetched once for all the runs that ask at the same time. One cache per process, shared by every run.
import { createHash } from 'node:crypto';
import { CodedError, credentialScrubber } from '@conduit/platform';
import { OutboundHttpClient, isSendableHeaderValue } from '@conduit/outbound-http';

export class OAuth2TokenError extends CodedError<'oauth2_token_failed'> {
  readonly code = 'oauth2_token_failed';
}

/** Thrown to a caller whose signal fired while it waited for a token (the shared fetch goes on for the others). */
export class OAuth2WaitAborted extends CodedError<'cancelled'> {
  readonly code = 'cancelled';

  constructor() {
    super('waiting for the OAuth2 token was aborted');
  }
}

export interface OAuth2Settings {
  token_url?: string;
  scope?: string;
}

export interface OAuth2Credentials {
  client_id?: string;
  client_secret?: string;
}

/** A token is used until this long before it expires (a request in flight must not carry an expired token). */
export const OAUTH2_EXPIRY_MARGIN_MS = 30_000;
/** Lifetime assumed when the token response has no expires_in (RFC 6749 §5.1 makes it optional). */
export const OAUTH2_DEFAULT_LIFETIME_S = 300;
/** The token endpoint's whole exchange. */
export const OAUTH2_TOKEN_TIMEOUT_MS = 10_000;
/** Instances whose tokens are kept at most; past that the oldest entry is dropped (and fetched again when asked). */
export const OAUTH2_CACHE_MAX_ENTRIES = 10_000;
const MAX_DESCRIPTION = 200;

interface CachedToken {
  fingerprint: string;
  token: string;
  /** Epoch ms after which it is not handed out. */
  usableUntil: number;
}

interface Fetch {
  fingerprint: string;
  promise: Promise<string>;
}

export class OAuth2TokenCache {
  private readonly tokens = new Map<string, CachedToken>();
  private readonly fetches = new Map<string, Fetch>();

  constructor(
    private readonly http: OutboundHttpClient,
    private readonly now: () => Date = () => new Date(),
    private readonly timeoutMs = OAUTH2_TOKEN_TIMEOUT_MS,
  ) {}

  /**
   * The instance's access token: cached, or fetched (once for concurrent callers). Throws OAuth2TokenError when the
   * token endpoint fails, OAuth2WaitAborted when `signal` fires first. A change of token_url, scope or client
   * credentials is a different cache entry: a rotated secret is used at once.
   */
  async token(
    instanceId: string,
    settings: OAuth2Settings,
    credentials: OAuth2Credentials,
    signal?: AbortSignal,
  ): Promise<string> {
    const fingerprint = fingerprintOf(settings, credentials);
    const cached = this.tokens.get(instanceId);
    if (cached && cached.fingerprint === fingerprint && cached.usableUntil > this.now().getTime()) return cached.token;
    let fetch = this.fetches.get(instanceId);
    if (!fetch || fetch.fingerprint !== fingerprint) {
      const started: Fetch = {
        fingerprint,
        promise: this.fetch(instanceId, fingerprint, settings, credentials).finally(() => {
          if (this.fetches.get(instanceId) === started) this.fetches.delete(instanceId);
        }),
      };
      // A waiter that gave up must not leave the rejection unhandled.
      started.promise.catch(() => undefined);
      this.fetches.set(instanceId, started);
      fetch = started;
    }
    return waitFor(fetch.promise, signal);
  }

  /** Drops the instance's token (the tool refused it); with `token`, only if that is still the cached one. */
  invalidate(instanceId: string, token?: string): void {
    const cached = this.tokens.get(instanceId);
    if (cached && (token === undefined || cached.token === token)) this.tokens.delete(instanceId);
  }

  private async fetch(
    instanceId: string,
    fingerprint: string,
    settings: OAuth2Settings,
    credentials: OAuth2Credentials,
  ): Promise<string> {
    const scrub = credentialScrubber([credentials.client_secret ?? '', credentials.client_id ?? '']);
    const fail = (message: string): never => {
      throw new OAuth2TokenError(scrub.text(`OAuth2 token request failed: ${message}`));
    };
    const { token_url: tokenUrl, scope } = settings;
    const { client_id: clientId, client_secret: clientSecret } = credentials;
    if (!tokenUrl) return fail('the instance has no token_url');
    if (!clientId || !clientSecret) return fail('the instance has no client_id or client_secret');
    const form = new URLSearchParams({ grant_type: 'client_credentials' });
    if (scope) form.set('scope', scope);
    const basic = Buffer.from(`${formEncode(clientId)}:${formEncode(clientSecret)}`).toString('base64');
    const result = await this.http.send({
      url: tokenUrl,
      method: 'POST',
      headers: {
        Authorization: `Basic ${basic}`,
        'Content-Type': 'application/x-www-form-urlencoded',
        Accept: 'application/json',
      },
      body: form.toString(),
      timeoutMs: this.timeoutMs,
    });
    if (result.statusCode === undefined) return fail(`${result.errorClass ?? 'network'}: ${result.errorMessage ?? ''}`);
    const body = parseJson(result.body);
    if (!result.ok) return fail(`the token endpoint answered HTTP ${result.statusCode}${oauthError(body)}`);
    if (!isObject(body)) return fail('the token endpoint answered something other than a JSON object');
    const token = body.access_token;
    if (typeof token !== 'string' || token === '') return fail('the token response has no access_token');
    if (!isSendableHeaderValue(`Bearer ${token}`)) return fail('the access_token cannot be sent in a header');
    const lifetimeMs = expiresInSeconds(body.expires_in) * 1000;
    const margin = Math.min(OAUTH2_EXPIRY_MARGIN_MS, lifetimeMs / 2);
    if (this.tokens.size >= OAUTH2_CACHE_MAX_ENTRIES && !this.tokens.has(instanceId))
      this.tokens.delete(this.tokens.keys().next().value as string);
    this.tokens.set(instanceId, { fingerprint, token, usableUntil: this.now().getTime() + lifetimeMs - margin });
    return token;
  }
}

function fingerprintOf(settings: OAuth2Settings, credentials: OAuth2Credentials): string {
  const parts = [settings.token_url, settings.scope, credentials.client_id, credentials.client_secret];
  return createHash('sha256').update(JSON.stringify(parts)).digest('base64url');
}

/** RFC 6749 §2.3.1: the client id and secret are form-encoded before they are joined for Basic. */
function formEncode(value: string): string {
  return new URLSearchParams([['', value]]).toString().slice(1);
}

function expiresInSeconds(value: unknown): number {
  const seconds = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  return typeof seconds === 'number' && Number.isFinite(seconds) && seconds > 0 ? seconds : OAUTH2_DEFAULT_LIFETIME_S;
}

/** RFC 6749 §5.2's error and error_description, when the answer has them. */
function oauthError(body: unknown): string {
  if (!isObject(body) || typeof body.error !== 'string') return '';
  const description =
    typeof body.error_description === 'string' ? ` (${body.error_description.slice(0, MAX_DESCRIPTION)})` : '';
  return `: ${body.error.slice(0, MAX_DESCRIPTION)}${description}`;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function waitFor<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(new OAuth2WaitAborted());
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new OAuth2WaitAborted());
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err as Error);
      },
    );
  });
}
