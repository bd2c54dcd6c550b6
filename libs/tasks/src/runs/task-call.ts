// The HTTP call of one task run, free of database and queue: render the request, bind it to the instance's host, add
// the instance's auth, send it with the task's timeout and retries, pick the outputs out of the answer, and record
// every attempt with credentials, secret field values and tokens masked. The caller stores the result.
import { OutboundHttpClient, OutboundResult } from '@conduit/outbound-http';
import { CredentialScrubber, REDACTED, credentialScrubber } from '@conduit/platform';
import type { TaskDefinition } from '../definition';
import { OAuth2TokenCache, OAuth2TokenError, OAuth2WaitAborted } from './oauth2-tokens';
import {
  CredentialHostError,
  TaskRenderError,
  recordedUrl,
  renderTaskRequest,
  taskRequestUrl,
} from './task-call-render';
import { extractOutputs } from './task-outputs';

/** The instance auth types (the integrations' AUTH_TYPES). */
export type TaskAuthType = 'none' | 'basic' | 'bearer' | 'api_key' | 'oauth2_client_credentials';
/** The instance auth settings that are not secret (the integrations' AuthSettings). */
export interface TaskAuthSettings {
  header?: string;
  query?: string;
  token_url?: string;
  scope?: string;
}
/** The credentials an instance holds (the integrations' CREDENTIAL_KEYS). */
export type TaskCredentialKey = 'username' | 'password' | 'token' | 'key' | 'client_id' | 'client_secret';

export interface TaskCall {
  /** Sent as the x-conduit-task-run header. */
  runId: string;
  /** The OAuth2 token cache key. */
  instanceId: string;
  task: Pick<TaskDefinition, 'task_tag' | 'request' | 'output_fields' | 'error_handling'>;
  baseUrl: string;
  /** The instance's field values, secret ones included (already opened). */
  fields: Record<string, unknown>;
  /** Which fields are secret: their values are masked like credentials. */
  secretFieldNames: readonly string[];
  auth: {
    type: TaskAuthType;
    settings: TaskAuthSettings;
    credentials: Partial<Record<TaskCredentialKey, string>>;
  };
  /** Already validated by the caller. */
  input: Record<string, unknown>;
  /** Outputs of the dependency tasks, by task_tag. */
  deps: Record<string, Record<string, unknown>>;
}

export interface TaskCallDeps {
  /** Configured by the caller (its address policy applies to the tool and the token endpoint). */
  http: OutboundHttpClient;
  /** One per process, shared across runs. */
  tokens: OAuth2TokenCache;
  /** Awaited before every request to the tool (the per-instance rate limit); not before token requests. */
  beforeSend?: () => Promise<void>;
  /** Cancellation: aborts the request in flight and any wait; the result is 'cancelled'. */
  signal?: AbortSignal;
  now?: () => Date;
  /** Response bytes read per attempt (default TASK_RESPONSE_MAX_BYTES); a longer 2xx body cannot give outputs. */
  maxResponseBytes?: number;
}

export interface TaskCallAttempt {
  attempt: number;
  started_at: string;
  duration_ms: number;
  /** Masked. */
  request: { method: string; url: string; headers: Record<string, string>; body: string | null };
  /** Masked; the body is an excerpt of at most EXCERPT_CHARS characters. */
  response: { status: number; headers: Record<string, string>; body: string; truncated: boolean } | null;
  error: { code: string; message: string } | null;
}

export type TaskCallStatus = 'success' | 'failure' | 'timeout' | 'cancelled';

export interface TaskCallResult {
  status: TaskCallStatus;
  outputs: Record<string, unknown> | null;
  records_processed: number;
  response_status: number | null;
  attempts: TaskCallAttempt[];
  /** Masked. */
  error: { code: string; message: string; status_code?: number } | null;
}

/** Characters of a request or response body kept in an attempt. */
export const EXCERPT_CHARS = 4096;
/** Response bytes read per attempt unless TaskCallDeps.maxResponseBytes says otherwise. */
export const TASK_RESPONSE_MAX_BYTES = 1024 * 1024;
/** Longest wait a 429's (or 503's) Retry-After can ask for; a longer one is cut to this. */
export const MAX_RETRY_AFTER_MS = 60_000;
/** Longest backoff between two attempts, whatever backoff_ms and the attempt number make. */
export const MAX_BACKOFF_MS = 15 * 60_000;
export const TASK_USER_AGENT = 'Conduit-Tasks/1.0';
const RUN_HEADER = 'x-conduit-task-run';
const ALWAYS_REDACTED_HEADERS = new Set(['authorization', 'proxy-authorization']);

/** What an attempt's outcome means for the run. */
type Verdict =
  | { kind: 'success'; outputs: Record<string, unknown>; records: number }
  | { kind: 'final'; status: TaskCallStatus; error: NonNullable<TaskCallResult['error']> }
  | { kind: 'retry'; status: TaskCallStatus; error: NonNullable<TaskCallResult['error']>; waitMs: number | null }
  | { kind: 'refresh_token'; error: NonNullable<TaskCallResult['error']> };

export async function executeTaskCall(call: TaskCall, deps: TaskCallDeps): Promise<TaskCallResult> {
  const now = deps.now ?? (() => new Date());
  const { signal } = deps;
  const { task, auth } = call;
  const handling = task.error_handling;
  const { method } = task.request;
  const secrets = [
    ...Object.values(auth.credentials).filter((v): v is string => typeof v === 'string'),
    ...call.secretFieldNames.flatMap((name) => secretTexts(call.fields[name])),
  ];
  if (auth.type === 'basic') secrets.push(basicPair(auth.credentials));
  let scrub = credentialScrubber(secrets);
  const attempts: TaskCallAttempt[] = [];
  const result = (
    status: TaskCallStatus,
    error: TaskCallResult['error'],
    success?: { outputs: Record<string, unknown>; records: number },
  ): TaskCallResult => ({
    status,
    outputs: success?.outputs ?? null,
    records_processed: success?.records ?? 0,
    response_status: attempts.at(-1)?.response?.status ?? null,
    attempts,
    error: error && { ...error, message: scrub.text(error.message) },
  });
  const cancelled = () => result('cancelled', { code: 'cancelled', message: 'the run was cancelled' });
  if (signal?.aborted) return cancelled();

  let prepared: PreparedRequest;
  try {
    prepared = prepareRequest(call);
  } catch (err) {
    if (err instanceof TaskRenderError || err instanceof CredentialHostError)
      return result('failure', { code: err.code, message: err.message });
    throw err;
  }

  let token: string | undefined;
  let refreshed = false;
  let tries = 0;
  for (;;) {
    if (auth.type === 'oauth2_client_credentials' && token === undefined) {
      try {
        token = await deps.tokens.token(call.instanceId, auth.settings, auth.credentials, signal);
      } catch (err) {
        if (err instanceof OAuth2WaitAborted) return cancelled();
        if (err instanceof OAuth2TokenError) return result('failure', { code: err.code, message: err.message });
        throw err;
      }
      scrub = credentialScrubber([...secrets, token]);
    }
    await deps.beforeSend?.();
    if (signal?.aborted) return cancelled();
    tries += 1;
    const request = authorize(prepared, auth, token);
    const startedAt = now();
    const response = await deps.http.send({
      url: request.url.toString(),
      method,
      headers: request.headers,
      ...(request.body !== null && { body: request.body }),
      timeoutMs: handling.timeout_ms,
      maxResponseBytes: deps.maxResponseBytes ?? TASK_RESPONSE_MAX_BYTES,
      ...(signal && { signal }),
    });
    // An answer that arrived is judged even if the signal fired meanwhile: the tool has acted on the request.
    if (response.errorClass === 'aborted') {
      attempts.push(record(attempts.length + 1, startedAt, method, request, response, scrub, cancelledError()));
      return cancelled();
    }
    const verdict = judge(response, call, handling.timeout_ms, auth.type === 'oauth2_client_credentials' && !refreshed);
    const error = verdict.kind === 'success' ? null : verdict.error;
    attempts.push(record(attempts.length + 1, startedAt, method, request, response, scrub, error));
    switch (verdict.kind) {
      case 'success':
        return result('success', null, verdict);
      case 'final':
        return result(verdict.status, verdict.error);
      case 'refresh_token':
        // Once per run, and not counted as a retry: the token was refused, not the request.
        refreshed = true;
        deps.tokens.invalidate(call.instanceId, token);
        token = undefined;
        continue;
      case 'retry': {
        if (tries > handling.retries) return result(verdict.status, verdict.error);
        const waitMs = verdict.waitMs ?? backoffMs(handling.backoff, handling.backoff_ms, tries);
        if (waitMs > 0) await abortableSleep(waitMs, signal);
        if (signal?.aborted) return cancelled();
        continue;
      }
    }
  }
}

/** The wait before retry n (1 for the first retry). */
export function backoffMs(kind: TaskDefinition['error_handling']['backoff'], baseMs: number, retry: number): number {
  switch (kind) {
    case 'none':
      return 0;
    case 'fixed':
      return Math.min(baseMs, MAX_BACKOFF_MS);
    case 'exponential':
      return Math.min(baseMs * 2 ** (retry - 1), MAX_BACKOFF_MS);
  }
}

interface PreparedRequest {
  url: URL;
  recordedUrl: URL;
  headers: Record<string, string>;
  recordedHeaders: Record<string, string>;
  body: string | null;
  recordedBody: string | null;
}

/** The request as the definition makes it, before auth: rendered, on the instance's host. */
function prepareRequest(call: TaskCall): PreparedRequest {
  const { sent, recorded } = renderTaskRequest(
    call.task.request,
    { input: call.input, instance: call.fields, deps: call.deps },
    call.auth.credentials,
  );
  const url = taskRequestUrl(call.baseUrl, sent.path, sent.query);
  const hasBody = call.task.request.body !== null && call.task.request.body !== undefined;
  const headers = (rendered: Record<string, string>): Record<string, string> => {
    const out: Record<string, string> = {};
    const set = (name: string, value: string, onlyIfAbsent = false) => {
      const existing = Object.keys(out).find((n) => n.toLowerCase() === name.toLowerCase());
      if (existing !== undefined) {
        if (onlyIfAbsent) return;
        delete out[existing];
      }
      out[name] = value;
    };
    for (const [name, value] of Object.entries(rendered)) set(name, value);
    set('Accept', 'application/json', true);
    set('User-Agent', TASK_USER_AGENT, true);
    if (hasBody) set('Content-Type', 'application/json', true);
    set(RUN_HEADER, call.runId);
    return out;
  };
  return {
    url,
    recordedUrl: taskRequestUrl(call.baseUrl, recorded.path, recorded.query),
    headers: headers(sent.headers),
    recordedHeaders: headers(recorded.headers),
    body: hasBody ? JSON.stringify(sent.body) : null,
    recordedBody: hasBody ? JSON.stringify(recorded.body) : null,
  };
}

/** The prepared request with the instance's auth added; the instance's auth wins over a header of the same name. */
function authorize(prepared: PreparedRequest, auth: TaskCall['auth'], token: string | undefined): PreparedRequest {
  const url = new URL(prepared.url);
  const recorded = new URL(prepared.recordedUrl);
  const headers = { ...prepared.headers };
  const recordedHeaders = { ...prepared.recordedHeaders };
  const setHeader = (name: string, value: string) => {
    for (const target of [headers, recordedHeaders])
      for (const existing of Object.keys(target))
        if (existing.toLowerCase() === name.toLowerCase()) delete target[existing];
    headers[name] = value;
    recordedHeaders[name] = REDACTED;
  };
  const { credentials, settings } = auth;
  switch (auth.type) {
    case 'none':
      break;
    case 'basic': {
      setHeader('Authorization', `Basic ${basicPair(credentials)}`);
      break;
    }
    case 'bearer':
      setHeader('Authorization', `Bearer ${credentials.token ?? ''}`);
      break;
    case 'api_key':
      if (settings.header) setHeader(settings.header, credentials.key ?? '');
      else if (settings.query) {
        url.searchParams.set(settings.query, credentials.key ?? '');
        recorded.searchParams.set(settings.query, REDACTED);
      }
      break;
    case 'oauth2_client_credentials':
      setHeader('Authorization', `Bearer ${token ?? ''}`);
      break;
  }
  return { ...prepared, url, recordedUrl: recorded, headers, recordedHeaders };
}

function judge(response: OutboundResult, call: TaskCall, timeoutMs: number, mayRefreshToken: boolean): Verdict {
  const status = response.statusCode;
  if (response.errorClass === undefined && status !== undefined && status >= 200 && status < 300) {
    return outputsOf(response, call);
  }
  if (response.errorClass !== undefined && response.errorClass !== 'non_2xx') {
    const message = response.errorMessage ?? response.errorClass;
    switch (response.errorClass) {
      case 'timeout':
        return {
          kind: 'retry',
          status: 'timeout',
          error: { code: 'timeout', message: `the attempt timed out (timeout_ms ${timeoutMs}): ${message}` },
          waitMs: null,
        };
      case 'ssrf_blocked':
        return { kind: 'final', status: 'failure', error: { code: 'target_not_allowed', message } };
      case 'invalid_url':
        return { kind: 'final', status: 'failure', error: { code: 'invalid_url', message } };
      case 'dns':
      case 'connection_refused':
      case 'connection_reset':
      case 'tls':
      case 'network':
      case 'aborted':
        return {
          kind: 'retry',
          status: 'failure',
          error: { code: 'network_error', message: `${response.errorClass}: ${message}` },
          waitMs: null,
        };
    }
  }
  const code = status ?? 0;
  const error = { code: 'http_error', message: `the tool answered HTTP ${code}`, status_code: code };
  if (code === 401 && mayRefreshToken) return { kind: 'refresh_token', error };
  if (code === 429 || code >= 500) {
    const honoured = (code === 429 || code === 503) && response.retryAfterSeconds !== undefined;
    const waitMs = honoured ? Math.min((response.retryAfterSeconds ?? 0) * 1000, MAX_RETRY_AFTER_MS) : null;
    return { kind: 'retry', status: 'failure', error, waitMs };
  }
  return { kind: 'final', status: 'failure', error };
}

function outputsOf(response: OutboundResult, call: TaskCall): Verdict {
  const fields = call.task.output_fields;
  if (fields.length === 0) return { kind: 'success', outputs: {}, records: 0 };
  const failed = (message: string): Verdict => ({
    kind: 'final',
    status: 'failure',
    error: { code: 'output_extraction_failed', message },
  });
  if (response.truncated)
    return failed(`the response is longer than ${response.body.length} characters read; outputs need all of it`);
  let body: unknown;
  try {
    body = JSON.parse(response.body) as unknown;
  } catch {
    return failed('the response is not JSON');
  }
  const extracted = extractOutputs(fields, body);
  if (extracted.problems.length > 0) return failed(extracted.problems.map((p) => p.message).join('; '));
  return { kind: 'success', outputs: extracted.outputs, records: extracted.records_processed };
}

function record(
  attempt: number,
  startedAt: Date,
  method: string,
  request: PreparedRequest,
  response: OutboundResult,
  scrub: CredentialScrubber,
  error: TaskCallAttempt['error'],
): TaskCallAttempt {
  const recordedHeaders = Object.fromEntries(
    Object.entries(request.recordedHeaders).map(([name, value]) => [
      name,
      ALWAYS_REDACTED_HEADERS.has(name.toLowerCase()) ? REDACTED : scrub.text(value),
    ]),
  );
  const requestBody = request.recordedBody === null ? null : excerpt(scrub.text(request.recordedBody)).text;
  const responseBody = excerpt(scrub.text(response.body));
  return {
    attempt,
    started_at: startedAt.toISOString(),
    duration_ms: response.durationMs,
    request: {
      method,
      url: scrub.text(recordedUrl(request.recordedUrl)),
      headers: recordedHeaders,
      body: requestBody,
    },
    response:
      response.statusCode === undefined
        ? null
        : {
            status: response.statusCode,
            headers: Object.fromEntries(
              Object.entries(response.headers).map(([name, value]) => [name, storable(scrub.text(value))]),
            ),
            body: responseBody.text,
            truncated: response.truncated || responseBody.cut,
          },
    error: error && { code: error.code, message: scrub.text(error.message) },
  };
}

function basicPair(credentials: TaskCall['auth']['credentials']): string {
  return Buffer.from(`${credentials.username ?? ''}:${credentials.password ?? ''}`, 'utf8').toString('base64');
}

function excerpt(text: string): { text: string; cut: boolean } {
  const clean = storable(text);
  if (clean.length <= EXCERPT_CHARS) return { text: clean, cut: false };
  // Not in the middle of a surrogate pair: half of one cannot be stored.
  const end = /[\uD800-\uDBFF]/.test(clean[EXCERPT_CHARS - 1] ?? '') ? EXCERPT_CHARS - 1 : EXCERPT_CHARS;
  return { text: clean.slice(0, end), cut: true };
}

/** PostgreSQL text holds no NUL. */
function storable(text: string): string {
  return text.replaceAll('\u0000', '\uFFFD');
}

function cancelledError(): TaskCallAttempt['error'] {
  return { code: 'cancelled', message: 'the run was cancelled during the request' };
}

/** A secret field's value as the texts to mask: a string, or each string inside a JSON value. */
function secretTexts(value: unknown): string[] {
  if (value === null || value === undefined) return [];
  if (typeof value === 'string') return [value];
  if (typeof value === 'number' || typeof value === 'boolean') return [String(value)];
  if (Array.isArray(value)) return value.flatMap(secretTexts);
  if (typeof value === 'object') return Object.values(value).flatMap(secretTexts);
  return [];
}

function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
