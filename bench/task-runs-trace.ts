// bench/task-runs-trace: loaded into the worker and the API by bench/task-runs.ts when BENCH_TRACE=1 (node -r, after
// @swc-node/register), to see where a run's time goes. It notes on the system clock (wallClock, sub-ms) every
// PostgreSQL statement the process sends and when its answer came, every Redis command and its answer, when a job
// reached TaskRunner.attempt and when the outbound client sent and got its answer, and writes them as JSON lines to
// BENCH_TRACE_FILE when the process exits. Costs a few µs per event; figures taken with it are labelled so.
import { writeFileSync } from 'node:fs';
import IORedis from 'ioredis';
import { Client } from 'pg';
import { OutboundHttpClient } from '@conduit/outbound-http';
import { TaskRunner } from '@conduit/tasks/engine';
import { wallClock } from './support';

export interface TraceEvent {
  /** pg, redis, attempt, http */
  kind: string;
  what: string;
  start: number;
  end: number;
}

const file = process.env.BENCH_TRACE_FILE;
if (file) {
  const now = wallClock();
  const events: TraceEvent[] = [];
  // Which process (BENCH_TRACE_LABEL, e.g. api): the kinds carry it.
  const label = process.env.BENCH_TRACE_LABEL ? `${process.env.BENCH_TRACE_LABEL} ` : '';
  const note = (kind: string, what: string, start: number) =>
    events.push({ kind: `${label}${kind}`, what, start, end: now() });

  type Query = (this: Client, ...args: unknown[]) => unknown;
  const query = Client.prototype.query as unknown as Query;
  (Client.prototype as unknown as { query: Query }).query = function traced(this: Client, ...args: unknown[]) {
    const first = args[0] as string | { text?: string; name?: string };
    const text = typeof first === 'string' ? first : (first?.text ?? first?.name ?? '?');
    const what = text.replace(/\s+/g, ' ').trim().slice(0, 90);
    const start = now();
    const last = args.length - 1;
    const callback = args[last];
    if (typeof callback === 'function') {
      // Callback form (TypeORM's).
      args[last] = (...cbArgs: unknown[]) => {
        note('pg', what, start);
        return (callback as (...a: unknown[]) => unknown)(...cbArgs);
      };
      return query.apply(this, args);
    }
    const result = query.apply(this, args);
    if (result && typeof (result as Promise<unknown>).then === 'function')
      (result as Promise<unknown>).then(
        () => note('pg', what, start),
        () => note('pg', `${what} (failed)`, start),
      );
    return result;
  };

  type Send = (this: IORedis, command: { name: string; promise: Promise<unknown> }, ...rest: unknown[]) => unknown;
  const sendCommand = IORedis.prototype.sendCommand as unknown as Send;
  (IORedis.prototype as unknown as { sendCommand: Send }).sendCommand = function traced(command, ...rest) {
    const start = now();
    const name =
      command.name === 'evalsha'
        ? `evalsha ${String((command as { args?: unknown[] }).args?.[0] ?? '').slice(0, 8)}`
        : command.name;
    command.promise?.then(
      () => note('redis', name, start),
      () => note('redis', `${name} (failed)`, start),
    );
    return sendCommand.call(this, command, ...rest);
  };

  const attempt = TaskRunner.prototype.attempt;
  TaskRunner.prototype.attempt = async function traced(this: TaskRunner, job) {
    const start = now();
    try {
      return await attempt.call(this, job);
    } finally {
      note('attempt', job.run_id, start);
    }
  };

  const send = OutboundHttpClient.prototype.send;
  OutboundHttpClient.prototype.send = async function traced(this: OutboundHttpClient, request) {
    const start = now();
    try {
      return await send.call(this, request);
    } finally {
      note('http', request.method ?? 'GET', start);
    }
  };

  process.on('exit', () => writeFileSync(file, events.map((e) => JSON.stringify(e)).join('\n')));
}
