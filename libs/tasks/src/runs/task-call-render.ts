// One task run's request, rendered from the definition with chains' template language against { input, instance,
// deps }: evaluated once, then the credential slots filled twice, with the values (sent) and with [REDACTED]
// (recorded). Path values are percent-encoded, so a value cannot add a segment, a query or another host; the URL is
// the instance's base URL plus the path, and must stay on the base URL's host (credentials are bound to it).
import { CodedError } from '@conduit/platform';
import { HEADER_VALUE_RULE, isSendableHeaderValue } from '@conduit/outbound-http';
import {
  ExpressionError,
  RenderedValue,
  TemplateError,
  compileTemplates,
  fillCredentials,
  renderTemplates,
  templateParts,
  toCel,
  withinEvaluationBudget,
} from '@conduit/chains/templates';
import { REDACTED } from '@conduit/platform';
import type { TaskRequest } from '../definition';

export class TaskRenderError extends CodedError<'render_failed'> {
  readonly code = 'render_failed';
}

export class CredentialHostError extends CodedError<'credential_host_not_allowed'> {
  readonly code = 'credential_host_not_allowed';
}

/** What `{{input.x}}`, `{{instance.x}}` and `{{deps.<tag>.x}}` read. */
export interface TaskRenderContext {
  input: Record<string, unknown>;
  instance: Record<string, unknown>;
  deps: Record<string, Record<string, unknown>>;
}

/** One rendering of the request: `sent` with credential values, `recorded` with [REDACTED] in their place. */
export interface RenderedTaskRequest {
  sent: RenderedParts;
  recorded: RenderedParts;
}

export interface RenderedParts {
  /** Percent-encoded where values were substituted; starts as the definition's path does. */
  path: string;
  query: [string, string][];
  headers: Record<string, string>;
  /** The JSON body, or null for none. */
  body: unknown;
}

/**
 * `{{credentials.api_key}}` is the instance's api_key credential, stored as `key` (TASK_CREDENTIAL_NAMES says
 * api_key; the instance's CREDENTIAL_KEYS say key): both names read it.
 */
const CREDENTIAL_ALIASES: Readonly<Record<string, string>> = { api_key: 'key' };

/** Throws TaskRenderError for a template that does not render or a value that cannot be sent. */
export function renderTaskRequest(
  request: Pick<TaskRequest, 'path' | 'query' | 'headers' | 'body'>,
  context: TaskRenderContext,
  credentials: Readonly<Record<string, string | undefined>>,
): RenderedTaskRequest {
  const { texts, expressions } = splitPath(request.path);
  const templates = {
    path: expressions.map((e) => `{{${e}}}`),
    query: request.query ?? {},
    headers: request.headers ?? {},
    body: request.body ?? null,
  };
  let rendered: { [K in keyof typeof templates]: RenderedValue };
  try {
    const budgeted = compileTemplates(templates, 'request').some((t) => !t.compiled.cheap);
    const cel = toCel(context) as Record<string, unknown>;
    const evaluate = () => ({
      path: renderTemplates(templates.path, cel, 'request.path'),
      query: renderTemplates(templates.query, cel, 'request.query'),
      headers: renderTemplates(templates.headers, cel, 'request.headers'),
      body: renderTemplates(templates.body, cel, 'request.body'),
    });
    rendered = budgeted ? withinEvaluationBudget(evaluate) : evaluate();
  } catch (err) {
    throw renderError(err);
  }
  const valueOf = (name: string): string | undefined => {
    const key = CREDENTIAL_ALIASES[name] ?? name;
    return Object.hasOwn(credentials, key) ? credentials[key] : undefined;
  };
  const sent = fill(rendered, texts, valueOf);
  for (const [name, value] of Object.entries(sent.headers)) {
    // Not the value: it may hold a credential.
    if (!isSendableHeaderValue(value))
      throw new TaskRenderError(
        `request.headers.${name}: the rendered value cannot be sent as a header: it must be ${HEADER_VALUE_RULE}`,
      );
  }
  // encodeURIComponent leaves dots alone, and URL parsing reads `..` and `%2e%2e` alike as "up one level".
  if (sent.path.split('/').some((segment) => /^(\.|%2e){1,2}$/i.test(segment)))
    throw new TaskRenderError('request.path: a rendered value makes a "." or ".." segment, which would leave the path');
  return { sent, recorded: fill(rendered, texts, () => REDACTED) };
}

/**
 * The URL a request goes to: the base URL (its path and query kept) with the path appended and the query added.
 * Throws CredentialHostError when the result is not on the base URL's scheme, host and port (TaskRenderError when
 * the base URL is not one).
 */
export function taskRequestUrl(baseUrl: string, path: string, query: readonly [string, string][]): URL {
  if (!URL.canParse(baseUrl)) throw new TaskRenderError('the instance base URL is not a URL');
  const base = new URL(baseUrl);
  let url: URL;
  try {
    // Text, not URL resolution: `new URL(path, base)` would read `//host/x` as another host.
    url = new URL(`${base.protocol}//${base.host}${base.pathname.replace(/\/+$/, '')}${path}`);
  } catch {
    throw new CredentialHostError('the request path does not make a URL on the instance base URL');
  }
  if (url.protocol !== base.protocol || url.host.toLowerCase() !== base.host.toLowerCase() || url.username !== '')
    throw new CredentialHostError(
      `the request would go to ${url.protocol}//${url.host}, not the instance's ${base.protocol}//${base.host}: ` +
        'credentials are sent only to the instance host',
    );
  url.search = new URLSearchParams([...base.searchParams, ...query]).toString();
  return url;
}

/** A URL as recorded: [REDACTED] readable rather than percent-encoded. */
export function recordedUrl(url: URL): string {
  const encoded = [encodeURIComponent(REDACTED), new URLSearchParams([['', REDACTED]]).toString().slice(1)];
  return encoded.reduce((text, form) => text.replaceAll(form, REDACTED), url.toString());
}

function splitPath(path: string): { texts: string[]; expressions: string[] } {
  try {
    return templateParts(path, 'request.path');
  } catch (err) {
    throw renderError(err);
  }
}

function fill(
  rendered: { path: RenderedValue; query: RenderedValue; headers: RenderedValue; body: RenderedValue },
  pathTexts: readonly string[],
  valueOf: (name: string) => string | undefined,
): RenderedParts {
  try {
    const values = fillCredentials(rendered.path, valueOf) as unknown[];
    const path = pathTexts
      .map((text, i) => (i < values.length ? `${text}${encodeURIComponent(asText(values[i]))}` : text))
      .join('');
    const query = Object.entries(textRecord(fillCredentials(rendered.query, valueOf)));
    const headers = textRecord(fillCredentials(rendered.headers, valueOf));
    return { path, query, headers, body: fillCredentials(rendered.body, valueOf) };
  } catch (err) {
    throw renderError(err);
  }
}

function textRecord(value: unknown): Record<string, string> {
  if (value === null || typeof value !== 'object') return {};
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, asText(v)]));
}

/** A value as text in a path, query or header: strings as is, null as nothing, lists and maps as JSON. */
function asText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value as number | boolean);
}

function renderError(err: unknown): TaskRenderError {
  if (err instanceof TemplateError || err instanceof ExpressionError || err instanceof CodedError)
    return new TaskRenderError(err.message, { cause: err });
  throw err;
}
