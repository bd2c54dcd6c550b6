// Sends generated requests a few at a time and keeps every answer that is a 5xx or an error body that breaks
// docs/api-conventions.md, with what was sent, so one run reports all of them.
import fc from 'fast-check';
import type { FuzzRequest } from './request-generator';

export interface FuzzFailure {
  seed: number;
  index: number;
  operation: string;
  request: string;
  status: number;
  problem: string;
  response: string;
}

const REFUSED_BEFORE_REQUEST = new Set(['bad_request', 'headers_too_large', 'request_timeout']);
const SNAKE_CASE = /^[a-z][a-z0-9]*(_[a-z0-9]+)*$/;

/** What is wrong with an answer under docs/api-conventions.md, or undefined when nothing is. */
export function conventionProblem(status: number, headers: Headers, text: string): string | undefined {
  if (status >= 500) return `server error ${status}`;
  if (status < 400) return undefined;
  const type = headers.get('content-type') ?? '';
  if (!/^application\/json\b/.test(type)) return `error with content-type "${type}"`;
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return 'error body is not JSON';
  }
  if (!isRecord(body)) return 'error body is not an object';
  const keys = Object.keys(body).sort().join(',');
  if (keys !== 'error,request_id') return `error body keys are ${keys}, not error,request_id`;
  const error = body.error;
  if (!isRecord(error)) return 'error is not an object';
  if (typeof error.code !== 'string' || !SNAKE_CASE.test(error.code))
    return `error.code ${JSON.stringify(error.code)} is not snake_case`;
  if (typeof error.message !== 'string' || !error.message) return 'error.message is not a non-empty string';
  if (!Array.isArray(error.details)) return 'error.details is not an array';
  for (const detail of error.details) {
    if (!isRecord(detail) || typeof detail.message !== 'string')
      return `a detail without a message: ${JSON.stringify(detail).slice(0, 200)}`;
    if (detail.field !== undefined && typeof detail.field !== 'string')
      return `a detail whose field is not a string: ${JSON.stringify(detail).slice(0, 200)}`;
  }
  const requestId = headers.get('x-request-id');
  // Node's HTTP parser refused the bytes before a request (and its id) existed.
  if (body.request_id === null && requestId === null && REFUSED_BEFORE_REQUEST.has(error.code)) return undefined;
  if (typeof body.request_id !== 'string' || body.request_id !== requestId)
    return `request_id ${JSON.stringify(body.request_id)} is not the X-Request-Id header ${JSON.stringify(requestId)}`;
  return undefined;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function describe(request: FuzzRequest): string {
  const body =
    request.body === undefined
      ? ''
      : typeof request.body === 'string'
        ? request.body
        : `<${request.body.length} bytes> ${Buffer.from(request.body).toString('latin1')}`;
  const excerpt = body.length > 1000 ? `${body.slice(0, 1000)}... (${body.length} chars)` : body;
  const type = request.headers['content-type'] ?? 'none';
  return `${request.method} ${request.url.slice(0, 300)} [auth ${request.auth}; content-type ${type}] ${JSON.stringify(excerpt)}`;
}

export interface FuzzRun {
  seed: number;
  sent: number;
  statuses: Map<number, number>;
  failures: FuzzFailure[];
}

/** Generates `count` requests from `seed` (fast-check, reproducible) and sends them `concurrency` at a time. */
export async function runFuzz(
  baseUrl: string,
  requests: fc.Arbitrary<FuzzRequest>,
  options: { seed: number; count: number; concurrency: number; timeoutMs: number },
): Promise<FuzzRun> {
  const generated = fc.sample(requests, { seed: options.seed, numRuns: options.count });
  const run: FuzzRun = { seed: options.seed, sent: 0, statuses: new Map(), failures: [] };
  let next = 0;
  const sendOne = async (index: number) => {
    const request = generated[index];
    let status = 0;
    let problem: string | undefined;
    let text = '';
    try {
      const res = await fetch(baseUrl + request.url, {
        method: request.method,
        headers: request.headers,
        body: request.body,
        redirect: 'manual',
        signal: AbortSignal.timeout(options.timeoutMs),
      });
      status = res.status;
      text = await res.text();
      problem = conventionProblem(status, res.headers, text);
    } catch (err) {
      problem = `no answer: ${(err as Error).message} ${String((err as { cause?: unknown }).cause ?? '')}`;
    }
    run.sent += 1;
    run.statuses.set(status, (run.statuses.get(status) ?? 0) + 1);
    if (problem)
      run.failures.push({
        seed: options.seed,
        index,
        operation: request.operation,
        request: describe(request),
        status,
        problem,
        response: text.slice(0, 400),
      });
  };
  const worker = async () => {
    while (next < generated.length) await sendOne(next++);
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  return run;
}

/** Failures grouped by operation and problem, each with its first example, for a readable assertion message. */
export function summarize(failures: FuzzFailure[]): string {
  const groups = new Map<string, FuzzFailure[]>();
  for (const f of failures) {
    const key = `${f.operation} -> ${f.status} ${f.problem.replace(/"[^"]*"/g, '"..."').slice(0, 120)}`;
    groups.set(key, [...(groups.get(key) ?? []), f]);
  }
  return [...groups.entries()]
    .map(
      ([key, list]) =>
        `${key} (x${list.length}, seed ${list[0].seed} #${list[0].index})\n    sent: ${list[0].request}\n    got:  ${list[0].response}`,
    )
    .join('\n');
}
