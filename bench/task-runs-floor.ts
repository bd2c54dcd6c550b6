// bench/task-runs-floor: the baselines of bench/task-runs.ts, in a process of their own that is built like the
// worker's (the same outbound client class and options, its own pg pool and Redis connection), told what to do by the
// bench over IPC. Nothing of Conduit's executor runs here:
//  - http: one GET to the receiver at a time through the executor's client (TaskHttpClient's class and options), timed
//    on this process's wall clock: when the request was handed to the client and when the answer was back (the
//    receiver notes its own arrival and answer times; the bench takes the differences).
//  - sql: the least SQL a run needs, one statement at a time on an open connection as the owner, autocommit (so each is
//    its own durable commit): INSERT of a task_runs row like the API's, the claim's UPDATE ... RETURNING *, the
//    record's UPDATE with an attempt like the executor's.
//  - bullmq: a bare BullMQ worker (concurrency 1, no-op processor) on a queue of its own; it notes when each job
//    reached the processor, so the bench can time add → pickup.
// Not run alone: bench/task-runs.ts forks it.
import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { type ConnectionOptions, Worker } from 'bullmq';
import { Pool } from 'pg';
import { parseConfig } from '@conduit/platform';
import { redisOptionsFromUrl } from '@conduit/queues';
import { OutboundHttpClient } from '@conduit/outbound-http';
import { wallClock } from './support';

export const FLOOR_QUEUE = 'task-runs-floor';

export type FloorCommand =
  | { cmd: 'http'; url: string; n: number }
  | {
      cmd: 'sql';
      n: number;
      row: { tenant_id: string; instance_uuid: string; integration_uuid: string; task_uuid: string };
      attempts: string;
    }
  | { cmd: 'bullmq-start' }
  | { cmd: 'stop' };

export interface HttpFloorSample {
  id: string;
  sent: number;
  received: number;
}

// Parsed when run as the floor process (the bench imports this file's types and queue name only).
const config = require.main === module ? parseConfig({ ...process.env }) : (undefined as never);
const reply = (msg: unknown) => process.send?.(msg);

async function http(url: string, n: number): Promise<HttpFloorSample[]> {
  // TaskHttpClient's class and options (libs/tasks/src/engine/task-http-client.ts), without Nest.
  const client = new OutboundHttpClient({
    connectTimeoutMs: config.TASK_CONNECT_TIMEOUT_MS,
    responseTimeoutMs: config.TASK_TIMEOUT_MS,
    maxResponseBytes: config.TASK_RESPONSE_BODY_LIMIT,
    allowLoopback: config.OUTBOUND_ALLOW_LOOPBACK,
    allowPrivateNetworks: config.OUTBOUND_ALLOW_PRIVATE_NETWORKS,
    userAgent: 'Conduit-Tasks/1.0',
  });
  const now = wallClock();
  const samples: HttpFloorSample[] = [];
  try {
    for (let i = 0; i < n; i++) {
      const id = `floor-${i}`;
      const sent = now();
      const res = await client.send({
        url,
        method: 'GET',
        headers: { accept: 'application/json', 'x-conduit-task-run': id },
        timeoutMs: 30_000,
      });
      const received = now();
      if (res.statusCode !== 200) throw new Error(`floor request: ${res.statusCode ?? res.errorClass}`);
      // The executor reads its outputs out of the body; so does the floor.
      JSON.parse(res.body);
      samples.push({ id, sent, received });
    }
  } finally {
    client.close();
  }
  return samples;
}

async function sql(command: Extract<FloorCommand, { cmd: 'sql' }>): Promise<Record<string, number[]>> {
  const pool = new Pool({ connectionString: config.DATABASE_URL, max: 1 });
  const out: Record<string, number[]> = {
    insert: [],
    claim: [],
    record: [],
    claim_as_sent: [],
    claim_one_message: [],
    claim_one_message_async: [],
    record_as_sent: [],
    record_one_message: [],
  };
  const { row } = command;
  const now = wallClock();
  try {
    const client = await pool.connect();
    try {
      for (let i = 0; i < command.n; i++) {
        const id = randomUUID();
        let t = now();
        await client.query(
          `INSERT INTO task_runs (id, tenant_id, instance_uuid, instance_id, integration_uuid, task_uuid, task_id, task_tag,
             source, input, status, created_at, updated_at)
           VALUES ($1, $2, $3, 1, $4, $5, 1, 'floor', 'api', '{}', 'queued', $6, $6)`,
          [id, row.tenant_id, row.instance_uuid, row.integration_uuid, row.task_uuid, new Date()],
        );
        out.insert.push(now() - t);
        t = now();
        await client.query(
          `UPDATE task_runs SET status = 'running', attempt_count = attempt_count + 1,
                  lease_expires_at = now() + make_interval(secs => 30), started_at = coalesce(started_at, now()),
                  updated_at = now()
            WHERE tenant_id = $1 AND id = $2 AND attempt_count = 0 AND status = 'queued'
            RETURNING *, lease_expires_at::text AS lease_token`,
          [row.tenant_id, id],
        );
        out.claim.push(now() - t);
        t = now();
        await client.query(
          `UPDATE task_runs
              SET status = 'success', outputs = $3::jsonb, error = NULL, records_processed = 1, response_status = 200,
                  attempts = $4::jsonb, dependencies = '[]', performance = $5::jsonb, finished_at = now(),
                  updated_at = now(), lease_expires_at = NULL,
                  duration_ms = (extract(epoch FROM now() - started_at) * 1000)::int
            WHERE tenant_id = $1 AND id = $2 AND status = 'running'`,
          [row.tenant_id, id, JSON.stringify({ id }), command.attempts, JSON.stringify({ http_ms: 1, attempts: 1 })],
        );
        out.record.push(now() - t);
        // The claim and the record as the executor's tenant transactions send them (BEGIN, the tenant's set_config and
        // the statement in one message, then COMMIT: two round trips), and as one message of the simple protocol
        // (set_config local to the implicit transaction of a multi-statement query, then the statement: one).
        const tenant = `SELECT set_config('app.tenant_id', '${row.tenant_id}', true)`;
        const claimSql = (runId: string) =>
          `UPDATE task_runs SET status = 'running', attempt_count = attempt_count + 1,
                  lease_expires_at = now() + make_interval(secs => 30), started_at = coalesce(started_at, now()),
                  updated_at = now()
            WHERE tenant_id = '${row.tenant_id}' AND id = '${runId}' AND status = 'queued'
            RETURNING *, lease_expires_at::text AS lease_token`;
        const recordSql = (runId: string) =>
          `UPDATE task_runs SET status = 'success', outputs = '{"id":"x"}', records_processed = 1, response_status = 200,
                  attempts = '${command.attempts.replaceAll("'", "''")}', finished_at = now(), updated_at = now(),
                  lease_expires_at = NULL, duration_ms = (extract(epoch FROM now() - started_at) * 1000)::int
            WHERE tenant_id = '${row.tenant_id}' AND id = '${runId}' AND status = 'running' RETURNING id`;
        for (const shape of ['as_sent', 'one_message', 'one_message_async'] as const) {
          const other = randomUUID();
          await client.query(
            `INSERT INTO task_runs (id, tenant_id, instance_uuid, instance_id, integration_uuid, task_uuid, task_id,
               task_tag, source, input, status) VALUES ($1, $2, $3, 1, $4, $5, 1, 'floor', 'api', '{}', 'queued')`,
            [other, row.tenant_id, row.instance_uuid, row.integration_uuid, row.task_uuid],
          );
          for (const [name, sqlText] of [
            ['claim', claimSql(other)],
            ['record', recordSql(other)],
          ] as const) {
            t = now();
            if (shape === 'as_sent') {
              await client.query(`BEGIN; ${tenant}; ${sqlText}`);
              await client.query('COMMIT');
            } else if (shape === 'one_message') await client.query(`${tenant}; ${sqlText}`);
            // Without waiting for the WAL flush (TenantRoundTrip's durable: false): for the claim only.
            else if (name === 'claim')
              await client.query(`${tenant}, set_config('synchronous_commit', 'off', true); ${sqlText}`);
            else await client.query(`${tenant}; ${sqlText}`);
            if (shape !== 'one_message_async' || name === 'claim') out[`${name}_${shape}`].push(now() - t);
          }
        }
      }
      // The floor's rows would count among the runs; they are only the floor's.
      await client.query(`DELETE FROM task_runs WHERE task_tag = 'floor'`);
    } finally {
      client.release();
    }
  } finally {
    await pool.end();
  }
  return out;
}

let worker: Worker | undefined;

function bullmqStart(): void {
  const now = wallClock();
  worker = new Worker(
    FLOOR_QUEUE,
    async (job) => {
      reply({ picked: (job.data as { i: number }).i, at: now() });
    },
    {
      connection: redisOptionsFromUrl(config.REDIS_URL) as ConnectionOptions,
      prefix: config.REDIS_PREFIX,
      concurrency: 1,
    },
  );
}

if (require.main === module) {
  process.on('message', (message: FloorCommand) => {
    void (async () => {
      try {
        switch (message.cmd) {
          case 'http':
            reply({ http: await http(message.url, message.n) });
            break;
          case 'sql':
            reply({ sql: await sql(message) });
            break;
          case 'bullmq-start':
            bullmqStart();
            await worker?.waitUntilReady();
            reply({ ready: true });
            break;
          case 'stop':
            await worker?.close();
            process.exit(0);
        }
      } catch (err) {
        reply({ error: (err as Error).stack ?? String(err) });
      }
    })();
  });
  reply({ started: true });
}
