// bench/cases-ingest: the ingesting side of bench/cases.ts, in a process of its own built like the worker (the worker's
// own module, WorkerModule.forRoot, as a Nest application context: its pool, its TenantContext, CaseIngest and the
// webhooks fan-out; its processors idle on a Redis prefix of the bench's). Told what to do by the bench over IPC:
//  - conduit: `lanes` loops at once (one per instance, as the poller runs one run per instance at a time), each
//    asking the fake SIEM for its next page of items (GET through OutboundHttpClient with TaskHttpClient's options, the
//    client the poller's task calls use), parsing it and storing it with CaseIngest.ingest in one tenant transaction
//    (TenantContext.runInTenant: BEGIN, set_config, the batch's statements, COMMIT).
//    With variant 'probe-hooks' (an EXPERIMENT, not Conduit's code): the fan-out's hooks (the chain trigger, one
//    prepared query per published event: about 900 per page here) run only for the event names the hooks' probe (one
//    statement per batch, the API's group commit's) says may start a chain, as publishManyInTenant could do itself.
//    With variant 'numbers-apart' (an EXPERIMENT too; with probe-hooks): the new cases' numbers are taken by the same
//    upsert of case_counters, but in a transaction of its own (TenantRoundTrip, another connection, committed at
//    once) instead of in the page's, whose row lock otherwise serialises every ingest of a tenant until it commits.
//    A rolled-back page then leaves a gap in the numbers, which the numbering already allows.
//  - floor: the same lanes and pages fetched the same way, each page's items written as case_events rows (the columns
//    CaseIngest writes, the mapping's fields picked by hand) by ONE multi-row INSERT ... VALUES ... ON CONFLICT DO
//    NOTHING per page, autocommit, as the owner on a pool of its own: PostgreSQL's own batched insert of the same rows,
//    with no cases, no correlation and no fan-out.
// Not run alone: bench/cases.ts forks it.
import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { NestFactory } from '@nestjs/core';
import { Pool } from 'pg';
import { CaseIngest, type CaseMapping, type IngestResult } from '@conduit/cases';
import { TenantContext, TenantRoundTrip } from '@conduit/database';
import { OutboundHttpClient } from '@conduit/outbound-http';
import { TenantId, asTenantId, parseConfig } from '@conduit/platform';
import { EventHooks, EventsService, type PublishInput } from '@conduit/webhooks';
import { WorkerModule } from '@conduit/worker/worker.module';

export type IngestCommand =
  | {
      cmd: 'conduit' | 'floor';
      /** The fake SIEM's base URL; lane k asks `${siem}/alerts?lane=k&page=n`. */
      siem: string;
      tenantId: string;
      /** One instance (source) per lane. */
      instances: string[];
      pages: number;
      mapping: CaseMapping;
      /** Makes the external ids of this round its own (the SIEM puts it in every id). */
      round: string;
      variant?: 'probe-hooks' | 'numbers-apart';
    }
  | { cmd: 'stop' };

export interface LaneFigures {
  /** Per page: fetch (request → parsed) and store (the transaction or the INSERT) in ms. */
  fetchMs: number[];
  storeMs: number[];
  items: number;
  results: Partial<IngestResult>;
}

export interface IngestReply {
  wallMs: number;
  lanes: LaneFigures[];
}

interface SiemPage {
  items: SiemItem[];
  next_page: number | null;
}

export interface SiemItem {
  id: string;
  rule: string;
  level: string;
  host: string;
  ts: string;
  src_ip: string;
  user: string;
  message: string;
}

const reply = (msg: unknown) => process.send?.(msg);

async function main(): Promise<void> {
  const config = parseConfig({ ...process.env });
  const app = await NestFactory.createApplicationContext(WorkerModule.forRoot(config), { logger: ['error'] });
  await app.init();
  const db = app.get(TenantContext);
  const ingest = app.get(CaseIngest);
  const probeHooks = installProbeHooks(db, app.get(EventsService), app.get(EventHooks));
  const numbersApart = installNumbersApart(ingest, app.get(TenantRoundTrip));
  // The floor's own connections, as the owner (the database's creator), autocommit.
  const owner = new Pool({ connectionString: process.env.BENCH_OWNER_URL, max: 8 });
  const http = new OutboundHttpClient({
    connectTimeoutMs: config.TASK_CONNECT_TIMEOUT_MS,
    responseTimeoutMs: config.TASK_TIMEOUT_MS,
    maxResponseBytes: config.TASK_RESPONSE_BODY_LIMIT,
    allowLoopback: config.OUTBOUND_ALLOW_LOOPBACK,
    allowPrivateNetworks: config.OUTBOUND_ALLOW_PRIVATE_NETWORKS,
    userAgent: 'Conduit-Tasks/1.0',
  });

  const fetchPage = async (url: string): Promise<SiemPage> => {
    const res = await http.send({ url, method: 'GET', headers: { accept: 'application/json' }, timeoutMs: 30_000 });
    if (res.statusCode !== 200) throw new Error(`SIEM page: ${res.statusCode ?? res.errorClass}`);
    return JSON.parse(res.body) as SiemPage;
  };

  /** One page as case_events rows in one multi-row INSERT (13 parameters a row). */
  const floorInsert = async (tenantId: string, instance: string, items: SiemItem[]): Promise<number> => {
    const now = new Date();
    const params: unknown[] = [];
    const values: string[] = [];
    for (const item of items) {
      const b = params.length;
      params.push(
        randomUUID(),
        tenantId,
        'instance',
        instance,
        instance,
        item.id,
        item.rule,
        item.level,
        null,
        new Date(item.ts),
        JSON.stringify(item),
        now,
      );
      values.push(
        `($${b + 1}, $${b + 2}, NULL, $${b + 3}, $${b + 4}, NULL, $${b + 5}, $${b + 6}, $${b + 7}, $${b + 8}, $${b + 9}, $${b + 10}, $${b + 11}::jsonb, $${b + 12})`,
      );
    }
    const result = await owner.query(
      `INSERT INTO case_events (id, tenant_id, case_id, source, instance_uuid, inbound_source_id, source_ref, external_id,
         title, severity, status, occurred_at, raw, created_at)
       VALUES ${values.join(', ')}
       ON CONFLICT (tenant_id, source_ref, external_id) DO NOTHING`,
      params,
    );
    return result.rowCount ?? 0;
  };

  const run = async (command: Extract<IngestCommand, { cmd: 'conduit' | 'floor' }>): Promise<IngestReply> => {
    const tenantId = asTenantId(command.tenantId);
    probeHooks.enabled = command.variant === 'probe-hooks' || command.variant === 'numbers-apart';
    numbersApart.enabled = command.variant === 'numbers-apart';
    const lane = async (k: number): Promise<LaneFigures> => {
      const instance = command.instances[k];
      const figures: LaneFigures = { fetchMs: [], storeMs: [], items: 0, results: {} };
      let page: number | null = 1;
      for (let n = 0; n < command.pages && page !== null; n++) {
        let t = performance.now();
        const body = await fetchPage(`${command.siem}/alerts?lane=${k}&page=${page}&round=${command.round}`);
        figures.fetchMs.push(performance.now() - t);
        figures.items += body.items.length;
        t = performance.now();
        if (command.cmd === 'conduit') {
          const result = await db.runInTenant(tenantId, () =>
            ingest.ingest(tenantId, { kind: 'instance', instanceUuid: instance }, command.mapping, body.items),
          );
          for (const [key, value] of Object.entries(result) as [keyof IngestResult, number][])
            figures.results[key] = (figures.results[key] ?? 0) + value;
        } else {
          const stored = await floorInsert(command.tenantId, instance, body.items);
          figures.results.stored = (figures.results.stored ?? 0) + stored;
        }
        figures.storeMs.push(performance.now() - t);
        page = body.next_page;
      }
      return figures;
    };
    const started = performance.now();
    const lanes = await Promise.all(command.instances.map((_, k) => lane(k)));
    return { wallMs: performance.now() - started, lanes };
  };

  process.on('message', (command: IngestCommand) => {
    if (command.cmd === 'stop') {
      http.close();
      void owner
        .end()
        .then(() => app.close())
        .then(() => process.exit(0));
      return;
    }
    run(command).then(
      (result) => reply({ ok: true, result }),
      (err: unknown) => reply({ ok: false, error: String((err as Error).stack ?? err) }),
    );
  });
  reply({ ready: true });
}

/**
 * The 'probe-hooks' experiment: publishManyInTenant asks the hooks' probes (one statement for the batch's event
 * names, in its transaction) which names may start a chain, and the hooks run for the events of those names only;
 * the others, for which the chain trigger would find no chain, skip its query. Off unless `enabled`.
 */
function installProbeHooks(db: TenantContext, events: EventsService, hooks: EventHooks): { enabled: boolean } {
  const state = { enabled: false };
  let current: { em: unknown; hooked: Set<string> } | null = null;
  const publishMany = events.publishManyInTenant.bind(events);
  events.publishManyInTenant = (tenantId: TenantId, inputs: PublishInput[]) => {
    if (!state.enabled) return publishMany(tenantId, inputs);
    return db.runInTenant(tenantId, async () => {
      const names = [...new Set(inputs.map((i) => i.event_name))];
      const probes = hooks.probes(tenantId, names);
      if (probes === null) return publishMany(tenantId, inputs);
      const hooked = new Set<string>();
      for (const probe of probes)
        for (const row of (await db.em.query(probe.sql, [...probe.values])) as { event_name: string }[])
          hooked.add(row.event_name);
      current = { em: db.em, hooked };
      try {
        return await publishMany(tenantId, inputs);
      } finally {
        current = null;
      }
    });
  };
  const published = hooks.published.bind(hooks);
  hooks.published = (event) =>
    current && current.em === db.em && !current.hooked.has(event.event_name) ? Promise.resolve() : published(event);
  return state;
}

/**
 * The 'numbers-apart' experiment: CaseIngest's CasesRepository.nextNumbers (reached through the instance: the
 * repository is not exported) runs its upsert in a one-message transaction of its own. Off unless `enabled`.
 */
function installNumbersApart(ingest: CaseIngest, roundTrip: TenantRoundTrip): { enabled: boolean } {
  const state = { enabled: false };
  const repo = (ingest as unknown as { cases: { nextNumbers(t: TenantId, n: number): Promise<number[]> } }).cases;
  const nextNumbers = repo.nextNumbers.bind(repo);
  repo.nextNumbers = async (tenantId, count) => {
    if (!state.enabled) return nextNumbers(tenantId, count);
    const rows = await roundTrip.query<{ last_value: number }>(
      tenantId,
      `INSERT INTO case_counters (tenant_id, last_value) VALUES ($1, $2)
       ON CONFLICT (tenant_id) DO UPDATE SET last_value = case_counters.last_value + $2
       RETURNING last_value`,
      [tenantId, count],
      { durable: true },
    );
    const last = rows[0].last_value;
    return Array.from({ length: count }, (_, i) => last - count + 1 + i);
  };
  return state;
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
