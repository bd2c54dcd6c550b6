// Reconcilers learn which tenants have due work from SECURITY DEFINER functions that name tenant ids and nothing
// else, then open a tenant transaction only for those. Raw SQL as the runtime role, then the reconcilers themselves.
import { randomBytes, randomUUID } from 'node:crypto';
import { ConnectionOptions, Queue } from 'bullmq';
import { Client } from 'pg';
import { DatabaseUrls, TenantContext, migrateDatabase, resolveDatabaseUrls } from '@conduit/database';
import { API_MIGRATIONS } from '@conduit/api/api.module';
import { ChainReconciler, ChainStepScheduler } from '@conduit/chains/engine';
import { ReceiveService } from '@conduit/ingestion';
import { IngestionReconciler } from '@conduit/ingestion/engine';
import type { TenantId } from '@conduit/platform';
import { RedisAvailability, redisOptionsFromUrl } from '@conduit/queues';
import { DeliveryJob, DeliveryScheduler } from '@conduit/webhooks';
import { DeliveryReconciler } from '@conduit/webhooks/engine';
import { databaseUrl, dropDatabase, withAdminClient } from '../support/postgres-admin';
import { TestDatabase, createTestDatabase } from '../support/test-database';
import { testConfig } from '../support/test-config';
import { TestStack, startTestStack } from '../support/test-stack';
import { deleteRedisPrefix, waitFor } from '../support/test-worker';
import { WebhookReceiver, startWebhookReceiver } from '../support/webhook-receiver';

const FUNCTIONS = [
  'conduit_tenants_with_due_deliveries(integer)',
  'conduit_tenants_with_due_chain_steps()',
  'conduit_tenants_with_unrouted_inbound_events(integer)',
];

type Kind = 'due' | 'future' | 'grace' | 'finished' | 'expired-lease' | 'live-lease' | 'run-over';

/**
 * Work of one kind for a tenant, in every table a reconciler reads, as the owner (superuser). Subscriptions carry a
 * fake sealed secret: nothing here is ever attempted.
 */
async function seedWork(
  db: Client,
  tenantId: string,
  kind: Kind,
): Promise<{ deliveryId: string; stepRunId: string; inboundId: string }> {
  const sub = randomUUID();
  const event = randomUUID();
  const chain = randomUUID();
  const step = randomUUID();
  const run = randomUUID();
  const source = randomUUID();
  const ids = { deliveryId: randomUUID(), stepRunId: randomUUID(), inboundId: randomUUID() };
  await db.query(
    `INSERT INTO webhook_subscriptions (id, tenant_id, app_name, target_url, event_types, secret_sealed, retry_schedule)
     VALUES ($1, $2, 'seed', 'https://example.test/hook', '{seed.thing}', 'sealed', '{0}')`,
    [sub, tenantId],
  );
  await db.query(
    `INSERT INTO webhook_events (id, tenant_id, event_name, source, payload) VALUES ($1, $2, 'seed.thing', 'seed', '{}')`,
    [event, tenantId],
  );
  await db.query(
    `INSERT INTO execution_chains (id, tenant_id, name, trigger_event) VALUES ($1, $2, 'seed', 'seed.thing')`,
    [chain, tenantId],
  );
  await db.query(
    `INSERT INTO execution_chain_steps (id, tenant_id, chain_id, steps_version, step_order, webhook_id, name) VALUES ($1, $2, $3, 1, 1, $4, 'seed')`,
    [step, tenantId, chain, sub],
  );
  await db.query(
    `INSERT INTO inbound_sources (id, tenant_id, name, provider, source_key) VALUES ($1, $2, 'seed', 'none', $3)`,
    [source, tenantId, randomBytes(16).toString('hex')],
  );
  // [delivery status, next_attempt_at, lease, run status, step status, step next_attempt_at, inbound status,
  // received_at]
  const shapes: Record<Kind, [string, string | null, string | null, string, string, string | null, string, string]> = {
    due: [
      'pending',
      `now() - interval '2 minutes'`,
      null,
      'running',
      'pending',
      `now() - interval '2 minutes'`,
      'accepted',
      `now() - interval '2 minutes'`,
    ],
    future: [
      'pending',
      `now() + interval '1 hour'`,
      null,
      'running',
      'pending',
      `now() + interval '1 hour'`,
      'routed',
      'now()',
    ],
    // Due for a few seconds only: inside the delivery and ingestion grace, but a chain step has no grace.
    grace: [
      'pending',
      `now() - interval '5 seconds'`,
      null,
      'running',
      'pending',
      `now() + interval '1 hour'`,
      'accepted',
      `now() - interval '5 seconds'`,
    ],
    finished: ['delivered', null, null, 'completed', 'sent', null, 'routed', `now() - interval '1 day'`],
    'expired-lease': [
      'delivering',
      `now() - interval '2 minutes'`,
      `now() - interval '1 second'`,
      'running',
      'running',
      `now() - interval '2 minutes'`,
      'routed',
      'now()',
    ],
    'live-lease': [
      'delivering',
      `now() - interval '2 minutes'`,
      `now() + interval '1 hour'`,
      'running',
      'running',
      `now() - interval '2 minutes'`,
      'routed',
      'now()',
    ],
    // A step left pending in a run that has ended is not due.
    'run-over': [
      'cancelled',
      null,
      null,
      'cancelled',
      'pending',
      `now() - interval '2 minutes'`,
      'filtered',
      `now() - interval '2 minutes'`,
    ],
  };
  const [status, next, lease, runStatus, stepStatus, stepNext, inboundStatus, receivedAt] = shapes[kind];
  await db.query(
    `INSERT INTO webhook_deliveries (id, tenant_id, event_id, subscription_id, status, next_attempt_at, lease_expires_at)
     VALUES ($1, $2, $3, $4, $5, ${next ?? 'NULL'}, ${lease ?? 'NULL'})`,
    [ids.deliveryId, tenantId, event, sub, status],
  );
  await db.query(
    `INSERT INTO execution_chain_runs (id, tenant_id, chain_id, steps_version, status, trigger_type, trigger_event, trigger_data, total_steps)
     VALUES ($1, $2, $3, 1, $4, 'manual', 'seed.thing', '{}', 1)`,
    [run, tenantId, chain, runStatus],
  );
  await db.query(
    `INSERT INTO execution_chain_step_runs (id, tenant_id, run_id, step_id, step_order, name, status, next_attempt_at, lease_expires_at)
     VALUES ($1, $2, $3, $4, 1, 'seed', $5, ${stepNext ?? 'NULL'}, ${lease ?? 'NULL'})`,
    [ids.stepRunId, tenantId, run, step, stepStatus],
  );
  await db.query(
    `INSERT INTO inbound_events (id, tenant_id, source_id, provider, raw_body, headers, payload_size, status, received_at)
     VALUES ($1, $2, $3, 'none', '\\x7b7d', '{}', 2, $4, ${receivedAt})`,
    [ids.inboundId, tenantId, source, inboundStatus],
  );
  return ids;
}

async function newTenant(db: Client, code: string, deleted = false): Promise<string> {
  const id = randomUUID();
  await db.query(
    `INSERT INTO tenants (id, code, name, deleted_at) VALUES ($1, $2, $2, ${deleted ? 'now()' : 'NULL'})`,
    [id, code],
  );
  return id;
}

const sorted = (ids: string[]) => [...ids].sort();

describe('tenants with due work (raw SQL)', () => {
  let db: TestDatabase;
  let urls: DatabaseUrls;
  let owner: Client;
  let runtime: Client;
  const t: Record<string, string> = {};

  async function named(fn: string, args: unknown[] = [], as = runtime): Promise<string[]> {
    const placeholders = args.map((_, i) => `$${i + 1}`).join(', ');
    const { rows, fields } = await as.query<{ tenant_id: string }>(`SELECT * FROM ${fn}(${placeholders})`, args);
    // Tenant ids and nothing else.
    expect(fields.map((f) => f.name)).toEqual(['tenant_id']);
    return rows.map((r) => r.tenant_id);
  }

  beforeAll(async () => {
    db = await createTestDatabase();
    urls = resolveDatabaseUrls(testConfig(db.url));
    owner = new Client({ connectionString: db.url });
    await owner.connect();
    runtime = new Client({ connectionString: urls.runtimeUrl });
    await runtime.connect();
    t.due = await newTenant(owner, 'due-work');
    await seedWork(owner, t.due, 'due');
    await seedWork(owner, t.due, 'finished');
    t.idle = await newTenant(owner, 'idle-work');
    for (const kind of ['future', 'finished', 'live-lease', 'run-over'] as const) await seedWork(owner, t.idle, kind);
    t.deleted = await newTenant(owner, 'deleted-work', true);
    await seedWork(owner, t.deleted, 'due');
    await seedWork(owner, t.deleted, 'expired-lease');
    t.lease = await newTenant(owner, 'expired-lease');
    await seedWork(owner, t.lease, 'expired-lease');
    t.grace = await newTenant(owner, 'grace-work');
    await seedWork(owner, t.grace, 'grace');
  });

  afterAll(async () => {
    await runtime?.end();
    await owner?.end();
    await db?.drop();
  });

  it('names exactly the live tenants with due deliveries: past the grace, or with an expired lease', async () => {
    expect(await named('conduit_tenants_with_due_deliveries', [30])).toEqual(sorted([t.due, t.lease]));
    expect(await named('conduit_tenants_with_due_deliveries', [0])).toEqual(sorted([t.due, t.lease, t.grace]));
  });

  it('names exactly the live tenants with due chain steps (runs still going, expired leases)', async () => {
    expect(await named('conduit_tenants_with_due_chain_steps')).toEqual(sorted([t.due, t.lease]));
  });

  it('names exactly the live tenants with unrouted inbound requests past the grace', async () => {
    expect(await named('conduit_tenants_with_unrouted_inbound_events', [30])).toEqual([t.due]);
    expect(await named('conduit_tenants_with_unrouted_inbound_events', [0])).toEqual(sorted([t.due, t.grace]));
  });

  it('leaves the runtime role under RLS: no rows of other tenants, with or without a tenant set', async () => {
    const tables = ['webhook_deliveries', 'execution_chain_step_runs', 'execution_chain_runs', 'inbound_events'];
    await runtime.query('BEGIN');
    try {
      await named('conduit_tenants_with_due_deliveries', [0]);
      for (const table of tables) {
        const { rows } = await runtime.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`);
        expect(rows[0].n, `${table} without a tenant`).toBe(0);
      }
      await runtime.query(`SELECT set_config('app.tenant_id', $1, true)`, [t.idle]);
      await named('conduit_tenants_with_due_chain_steps');
      for (const table of tables) {
        const { rows } = await runtime.query<{ tenant_id: string }>(`SELECT DISTINCT tenant_id FROM ${table}`);
        expect(
          rows.map((r) => r.tenant_id),
          table,
        ).toEqual([t.idle]);
      }
    } finally {
      await runtime.query('ROLLBACK');
    }
  });

  it('runs as the owner with a pinned search_path, and only the owner and the runtime role may execute', async () => {
    const { rows } = await owner.query<{
      fn: string;
      definer: boolean;
      config: string[];
      owner: string;
      grantees: string[];
    }>(
      `SELECT p.oid::regprocedure::text AS fn, p.prosecdef AS definer, p.proconfig AS config, pg_get_userbyid(p.proowner) AS owner,
              (SELECT array_agg(CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE pg_get_userbyid(a.grantee)::text END ORDER BY 1)
                 FROM aclexplode(p.proacl) a WHERE a.privilege_type = 'EXECUTE') AS grantees
         FROM pg_proc p WHERE p.oid = ANY($1::regprocedure[]) ORDER BY 1`,
      [FUNCTIONS],
    );
    const [{ me }] = (await owner.query<{ me: string }>('SELECT current_user AS me')).rows;
    expect(rows.map((r) => r.fn)).toEqual([...FUNCTIONS].sort());
    for (const r of rows) {
      expect(r, r.fn).toMatchObject({ definer: true, config: ['search_path=pg_catalog, pg_temp'], owner: me });
      expect(sorted(r.grantees), r.fn).toEqual(sorted([me, urls.runtimeRole]));
    }
  });

  it('refuses a role without the grant (PUBLIC has no EXECUTE)', async () => {
    const role = `conduit_nogrant_${randomBytes(4).toString('hex')}`;
    await owner.query(`CREATE ROLE ${role} LOGIN NOSUPERUSER NOBYPASSRLS`);
    const url = new URL(db.url);
    url.username = role;
    const stranger = new Client({ connectionString: url.toString() });
    try {
      await stranger.connect();
      for (const call of [
        'SELECT * FROM conduit_tenants_with_due_deliveries(0)',
        'SELECT * FROM conduit_tenants_with_due_chain_steps()',
        'SELECT * FROM conduit_tenants_with_unrouted_inbound_events(0)',
      ]) {
        await expect(stranger.query(call), call).rejects.toMatchObject({
          code: '42501',
          message: expect.stringMatching(/permission denied for function/),
        });
      }
    } finally {
      await stranger.end().catch(() => undefined);
      await owner.query(`DROP ROLE ${role}`);
    }
  });

  it('still names the tenants when the owner is no superuser (FORCE ROW LEVEL SECURITY applies to it)', async () => {
    const role = `conduit_owner_${randomBytes(4).toString('hex')}`;
    const name = `${db.name}_own`;
    await withAdminClient(async (admin) => {
      await admin.query(`CREATE ROLE ${role} LOGIN NOSUPERUSER NOBYPASSRLS`);
      await admin.query(`CREATE DATABASE "${name}" OWNER ${role}`);
    });
    const ownerUrl = new URL(databaseUrl(name));
    ownerUrl.username = role;
    try {
      await migrateDatabase(testConfig(ownerUrl.toString()), API_MIGRATIONS);
      const superuser = new Client({ connectionString: databaseUrl(name) });
      const runtimeThere = new Client({
        connectionString: resolveDatabaseUrls(testConfig(ownerUrl.toString())).runtimeUrl,
      });
      await superuser.connect();
      await runtimeThere.connect();
      try {
        const due = await newTenant(superuser, 'due-work');
        await seedWork(superuser, due, 'due');
        await seedWork(superuser, await newTenant(superuser, 'idle-work'), 'future');
        expect(await named('conduit_tenants_with_due_deliveries', [30], runtimeThere)).toEqual([due]);
        expect(await named('conduit_tenants_with_due_chain_steps', [], runtimeThere)).toEqual([due]);
        expect(await named('conduit_tenants_with_unrouted_inbound_events', [30], runtimeThere)).toEqual([due]);
        // The owner's own sessions still see no tenant rows for writes (the policy is SELECT-only).
        const asOwner = new Client({ connectionString: ownerUrl.toString() });
        await asOwner.connect();
        try {
          expect((await asOwner.query(`UPDATE webhook_deliveries SET updated_at = now()`)).rowCount).toBe(0);
        } finally {
          await asOwner.end();
        }
      } finally {
        await superuser.end();
        await runtimeThere.end();
      }
    } finally {
      await withAdminClient(async (admin) => {
        await dropDatabase(admin, name);
        await admin.query(`DROP ROLE IF EXISTS ${role}`);
      });
    }
  });
});

describe('reconcilers over many tenants', () => {
  const TENANTS = 200;
  let stack: TestStack;
  let receiver: WebhookReceiver;
  let owner: Client;
  let due: { id: TenantId };
  let admin: { token: string };
  let seeded: { deliveryId: string; stepRunId: string; inboundId: string };

  beforeAll(async () => {
    // The tests call reconcileOnce() themselves.
    stack = await startTestStack({ config: { WEBHOOK_RECONCILE_INTERVAL_MS: '3600000' } });
    receiver = await startWebhookReceiver();
    owner = new Client({ connectionString: stack.db.url });
    await owner.connect();
    due = await stack.api.seedTenant('sweep-due');
    admin = await stack.api.seedUser('sweep-due', 'tenant_admin');
    seeded = await seedWork(owner, due.id, 'due');
    // The other live tenants have only work that is not due; a deleted one has due work and is skipped.
    const kinds: Kind[] = ['future', 'finished', 'live-lease', 'run-over'];
    for (let i = 1; i < TENANTS; i++) {
      const id = await newTenant(owner, `sweep-${i}`);
      if (i % 10 === 0) await seedWork(owner, id, kinds[(i / 10) % kinds.length]);
    }
    await seedWork(owner, await newTenant(owner, 'sweep-deleted', true), 'due');
  });

  afterAll(async () => {
    await owner?.end();
    await receiver?.close();
    await stack?.close();
  });

  /** Runs fn, returning the tenants it opened a tenant transaction for. */
  async function tenantTransactions(fn: () => Promise<unknown>): Promise<string[]> {
    const db = stack.get(TenantContext);
    const spy = vi.spyOn(db, 'runInTenant');
    try {
      await fn();
      return spy.mock.calls.map(([tenantId]) => tenantId);
    } finally {
      spy.mockRestore();
    }
  }

  it('opens one tenant transaction for the one tenant of 200 with due deliveries, chain steps, inbound requests', async () => {
    const { count } = (
      await owner.query<{ count: number }>(`SELECT count(*)::int AS count FROM tenants WHERE deleted_at IS NULL`)
    ).rows[0];
    expect(count).toBeGreaterThanOrEqual(TENANTS);
    // The worker's own reconcilers, with what they would queue collected instead.
    type Enqueue = (...args: unknown[]) => Promise<void>;
    const collect = (target: object, method: string, into: string[], pick: (args: unknown[]) => string[]) =>
      vi.spyOn(target as Record<string, Enqueue>, method).mockImplementation(async (...args: unknown[]) => {
        into.push(...pick(args));
      });

    const deliveries: string[] = [];
    const requeue = collect(stack.get(DeliveryScheduler), 'requeue', deliveries, ([attempts]) =>
      (attempts as { deliveryId: string }[]).map((a) => a.deliveryId),
    );
    let result: unknown;
    const deliveryReconciler = stack.get(DeliveryReconciler);
    expect(await tenantTransactions(async () => (result = await deliveryReconciler.reconcileOnce()))).toEqual([due.id]);
    expect(result).toEqual({ tenants: 1, enqueued: 1 });
    expect(deliveries).toEqual([seeded.deliveryId]);

    const steps: string[] = [];
    const enqueueSteps = collect(stack.get(ChainStepScheduler), 'enqueue', steps, ([s]) =>
      (s as { stepRunId: string }[]).map((x) => x.stepRunId),
    );
    const chainReconciler = stack.get(ChainReconciler);
    expect(await tenantTransactions(async () => (result = await chainReconciler.reconcileOnce()))).toEqual([due.id]);
    expect(result).toEqual({ tenants: 1, enqueued: 1 });
    expect(steps).toEqual([seeded.stepRunId]);

    const inbound: string[] = [];
    const enqueueRouting = collect(stack.get(ReceiveService), 'enqueue', inbound, ([, ids]) => ids as string[]);
    const ingestionReconciler = stack.get(IngestionReconciler);
    expect(await tenantTransactions(async () => (result = await ingestionReconciler.reconcileOnce()))).toEqual([
      due.id,
    ]);
    expect(result).toEqual({ tenants: 1, enqueued: 1 });
    expect(inbound).toEqual([seeded.inboundId]);
    for (const spy of [requeue, enqueueSteps, enqueueRouting]) spy.mockRestore();
  });

  it('re-queues each due delivery as its own job, so runs that group the rows differently add no duplicate', async () => {
    // A queue no worker reads, under the test's Redis prefix: what the runs leave waiting is what a worker would get.
    const queue = new Queue<DeliveryJob>(`requeue-check-${process.pid}`, {
      connection: redisOptionsFromUrl(stack.config.REDIS_URL) as ConnectionOptions,
      prefix: stack.config.REDIS_PREFIX,
    });
    try {
      const scheduler = new DeliveryScheduler(queue, stack.api.app.get(RedisAvailability));
      const ids = Array.from({ length: 6 }, () => randomUUID());
      const attempt = (id: string) => ({ tenantId: due.id, deliveryId: id, attempt: 2 });
      // Two reconcile runs while the worker is behind: the second sees some rows again, in another composition.
      await scheduler.requeue(ids.slice(0, 4).map(attempt));
      await scheduler.requeue(ids.slice(2).map(attempt));
      const jobs = await queue.getJobs(['waiting', 'delayed', 'prioritized']);
      expect(
        jobs
          .map((j) => j.data.delivery_ids)
          .flat()
          .sort(),
      ).toEqual([...ids].sort());
      expect(jobs.map((j) => j.id).sort()).toEqual(ids.map((id) => `${id}-2`).sort());
      // A fan-out's enqueue still groups (one job for its deliveries).
      await scheduler.enqueue(ids.map((id) => ({ tenantId: due.id, deliveryId: id, attempt: 1 })));
      expect(await queue.getJobCountByTypes('waiting', 'delayed', 'prioritized')).toBe(ids.length + 1);
    } finally {
      await queue.obliterate({ force: true });
      await queue.close();
    }
  });

  it('still re-queues a due delivery whose job Redis lost, and it is delivered', async () => {
    // The seeded rows are not deliverable (fake secret): settle them first, so only the real delivery is due.
    await owner.query(`UPDATE webhook_deliveries SET status = 'cancelled', next_attempt_at = NULL WHERE id = $1`, [
      seeded.deliveryId,
    ]);
    const sub = await stack.api.request('POST', '/api/v1/subscriptions', {
      token: admin.token,
      // The first attempt an hour away: its job waits in Redis, and is lost with it.
      body: {
        app_name: 'sweep',
        target_url: receiver.url('/sweep'),
        event_types: ['sweep.thing'],
        retry_schedule: [3600],
      },
    });
    expect(sub.status, sub.text).toBe(201);
    const event = await stack.api.request('POST', '/api/v1/events', {
      token: admin.token,
      body: { event_name: 'sweep.thing', payload: { n: 1 } },
    });
    expect(event.status, event.text).toBe(202);
    await deleteRedisPrefix(stack.redis, stack.config.REDIS_PREFIX);
    const [row] = await stack.api.sql<{ id: string }>(
      `UPDATE webhook_deliveries SET next_attempt_at = now() - interval '1 minute' WHERE subscription_id = $1 RETURNING id`,
      [sub.body.id],
    );

    expect(await stack.get(DeliveryReconciler).reconcileOnce()).toEqual({ tenants: 1, enqueued: 1 });
    await waitFor('the delivery to be delivered', async () => {
      const [d] = await stack.api.sql<{ status: string }>(`SELECT status FROM webhook_deliveries WHERE id = $1`, [
        row.id,
      ]);
      return d.status === 'delivered' ? d : undefined;
    });
    expect(receiver.to('/sweep')).toHaveLength(1);
    expect(await stack.get(DeliveryReconciler).reconcileOnce()).toEqual({ tenants: 0, enqueued: 0 });
  });
});
