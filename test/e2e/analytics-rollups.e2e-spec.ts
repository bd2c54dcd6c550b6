// Analytics from rollups: the worker's hourly and daily rollups give the same answers as counting every row, a manual
// retry shows at once (its hour is counted live until rolled up again), and one tenant's rollups are its own.
import { AnalyticsRollups } from '@conduit/database';
import { seedTenant } from '../support/analytics-seed';
import { TestStack, startTestStack } from '../support/test-stack';
import { waitFor } from '../support/test-worker';

const HOUR = 3600_000;
const horizon = () => new Date(Math.floor((Date.now() - 5 * 60_000) / HOUR) * HOUR);

describe('analytics rollups', () => {
  let stack: TestStack;
  let acme: { id: string };
  let globex: { id: string };
  let admin: { token: string };
  let other: { token: string };
  const t0 = new Date();
  const at = (hoursAgo: number) => new Date(t0.getTime() - hoursAgo * HOUR).toISOString();
  // Windows ending at t0, ragged at both ends, one filtered to a key, one wholly in the past.
  const windows = [
    `since=${at(72)}&until=${t0.toISOString()}`,
    `since=${at(50.3)}&until=${at(3.1)}`,
    `since=${at(71)}&until=${at(48)}`,
  ];

  beforeAll(async () => {
    stack = await startTestStack({ worker: false, config: { ANALYTICS_ROLLUP_INTERVAL_MS: '1000' } });
    acme = await stack.api.seedTenant('acme');
    globex = await stack.api.seedTenant('globex');
    admin = await stack.api.seedUser('acme', 'tenant_admin');
    other = await stack.api.seedUser('globex', 'tenant_admin');
    const owner = (sql: string, params?: unknown[]) => stack.api.sql(sql, params);
    await seedTenant(owner, acme.id, { deliveries: 3000, runs: 1200, days: 3, subscriptions: 3, chains: 2 });
    await seedTenant(owner, globex.id, { deliveries: 300, runs: 100, days: 3, subscriptions: 1, chains: 1 });
  }, 60_000);
  afterAll(() => stack?.close());

  const get = async (path: string, token = admin.token) => {
    const res = await stack.api.request('GET', path, { token });
    expect(res.status, res.text).toBe(200);
    return res.body;
  };
  /** Every window of both endpoints, and the deliveries windows narrowed to the busiest subscription. */
  const answers = async (token = admin.token) => {
    const all: unknown[] = [];
    for (const w of windows) {
      const deliveries = await get(`/api/v1/analytics/deliveries?${w}`, token);
      all.push(deliveries, await get(`/api/v1/analytics/chains?${w}`, token));
      if (deliveries.data[0])
        all.push(
          await get(`/api/v1/analytics/deliveries?${w}&subscription_id=${deliveries.data[0].subscription_id}`, token),
        );
    }
    return all;
  };
  /** The answers counted from the rows alone: what the API gives while no hour is rolled up. */
  const counted = async (token = admin.token) => {
    const progress = await stack.api.sql(`DELETE FROM analytics_rollup_progress RETURNING *`);
    try {
      return await answers(token);
    } finally {
      for (const p of progress)
        await stack.api.sql(
          `INSERT INTO analytics_rollup_progress (tenant_id, kind, rolled_up_until, updated_at) VALUES ($1, $2, $3, $4)`,
          [p.tenant_id, p.kind, p.rolled_up_until, p.updated_at],
        );
    }
  };
  const rolledUp = async () =>
    (
      await stack.api.sql<{ n: number }>(
        `SELECT count(*)::int AS n FROM analytics_rollup_progress p JOIN tenants t ON t.id = p.tenant_id
          WHERE p.rolled_up_until = $1 AND t.deleted_at IS NULL`,
        [horizon()],
      )
    )[0].n;

  it('rolls up every tenant in the worker, and the rollups give the answers counting every row gives', async () => {
    expect((await get(`/api/v1/analytics/deliveries?${windows[0]}`)).data).toHaveLength(3);
    const [{ tenants }] = await stack.api.sql<{ tenants: number }>(
      `SELECT count(*)::int AS tenants FROM tenants WHERE deleted_at IS NULL`,
    );
    await stack.startWorker();
    await waitFor('every tenant rolled up', async () => (await rolledUp()) === tenants * 2 || undefined, 30_000);
    await stack.stopWorker();

    const rows = await stack.api.sql<{ tenant_id: string; kind: string; span: string; n: number }>(
      `SELECT tenant_id, kind, span, count(*)::int AS n FROM analytics_rollups GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`,
    );
    for (const tenant of [acme.id, globex.id])
      for (const kind of ['deliveries', 'chain_runs'])
        for (const span of ['day', 'hour'])
          expect(
            rows.find((r) => r.tenant_id === tenant && r.kind === kind && r.span === span)?.n,
            `${kind} ${span}`,
          ).toBeGreaterThan(0);

    // The worker is stopped: nothing moves between the two.
    expect(await answers()).toEqual(await counted());
    expect(await answers(other.token)).toEqual(await counted(other.token));
    expect(await answers(other.token)).not.toEqual(await answers());
  }, 60_000);

  it('reads the rollups: a changed day rollup changes the answer', async () => {
    const [day] = await stack.api.sql<{ key_id: string; period_start: Date }>(
      `SELECT key_id, period_start FROM analytics_rollups
        WHERE tenant_id = $1 AND kind = 'deliveries' AND span = 'day' AND period_start >= $2 AND period_start + interval '1 day' <= $3
        ORDER BY period_start LIMIT 1`,
      [acme.id, at(72), t0],
    );
    expect(day).toBeDefined();
    const deliveries = async () =>
      (await get(`/api/v1/analytics/deliveries?${windows[0]}&subscription_id=${day.key_id}`)).data[0].deliveries;
    const was = await deliveries();
    const bump = (n: number) =>
      stack.api.sql(
        `UPDATE analytics_rollups SET stats = jsonb_set(stats, '{deliveries}', to_jsonb((stats->>'deliveries')::int + $3))
          WHERE tenant_id = $1 AND kind = 'deliveries' AND span = 'day' AND key_id = $2 AND period_start = $4`,
        [acme.id, day.key_id, n, day.period_start],
      );
    await bump(1000);
    try {
      expect(await deliveries()).toBe(was + 1000);
    } finally {
      await bump(-1000);
    }
  });

  it('shows a manual retry or a chain run retried at once, and rolls its hour up again', async () => {
    const before = await get(`/api/v1/analytics/deliveries?${windows[0]}`);
    const [failed] = await stack.api.sql<{ id: string; subscription_id: string }>(
      `SELECT id, subscription_id FROM webhook_deliveries WHERE tenant_id = $1 AND status = 'failed' AND created_at < $2
        ORDER BY created_at LIMIT 1`,
      [acme.id, new Date(horizon().getTime() - 24 * HOUR)],
    );
    const retried = await stack.api.request('POST', `/api/v1/deliveries/${failed.id}/retry`, { token: admin.token });
    expect(retried.status, retried.text).toBe(202);
    const [run] = await stack.api.sql<{ id: string; chain_id: string }>(
      `SELECT id, chain_id FROM execution_chain_runs WHERE tenant_id = $1 AND status = 'failed' AND created_at < $2
        ORDER BY created_at LIMIT 1`,
      [acme.id, new Date(horizon().getTime() - 24 * HOUR)],
    );
    const chainsBefore = await get(`/api/v1/analytics/chains?${windows[0]}`);
    const rerun = await stack.api.request('POST', `/api/v1/chains/runs/${run.id}/retry`, { token: admin.token });
    expect(rerun.status, rerun.text).toBe(202);
    expect(
      await stack.api.sql(`SELECT kind FROM analytics_stale_hours WHERE tenant_id = $1 ORDER BY kind`, [acme.id]),
    ).toEqual([{ kind: 'chain_runs' }, { kind: 'deliveries' }]);

    const after = await get(`/api/v1/analytics/deliveries?${windows[0]}`);
    const of = (body: { data: { subscription_id: string; failed: number; in_flight: number }[] }) =>
      body.data.find((d) => d.subscription_id === failed.subscription_id);
    expect(of(after)).toMatchObject({ failed: of(before)!.failed - 1, in_flight: of(before)!.in_flight + 1 });
    const chains = await get(`/api/v1/analytics/chains?${windows[0]}`);
    const chain = (body: { data: { chain_id: string; failed: number; in_flight: number }[] }) =>
      body.data.find((d) => d.chain_id === run.chain_id);
    expect(chain(chains)).toMatchObject({
      failed: chain(chainsBefore)!.failed - 1,
      in_flight: chain(chainsBefore)!.in_flight + 1,
    });
    expect(await answers()).toEqual(await counted());

    // The next run rolls the stale hours up again (here from the API process, so no worker moves the retried rows).
    // Its sources are found, not listed: every domain's @AnalyticsRollupSource provider.
    const rollups = stack.api.app.get(AnalyticsRollups);
    expect(
      rollups
        .sources()
        .map((s) => s.kind)
        .sort(),
    ).toEqual(['chain_runs', 'deliveries']);
    const result = await rollups.rollUpOnce();
    expect(result.hours).toBeGreaterThanOrEqual(2);
    expect(await stack.api.sql(`SELECT * FROM analytics_stale_hours`)).toEqual([]);
    const [row] = await stack.api.sql<{ in_flight: number }>(
      `SELECT in_flight FROM analytics_rollups WHERE tenant_id = $1 AND kind = 'deliveries' AND span = 'hour' AND key_id = $2
          AND period_start = date_trunc('hour', (SELECT created_at FROM webhook_deliveries WHERE id = $3), 'UTC')`,
      [acme.id, failed.subscription_id, failed.id],
    );
    expect(row.in_flight).toBe(1);
    expect(await answers()).toEqual(await counted());

    // An hour with something in flight is rolled up again on every run, until nothing is: a delivery in the middle of
    // the window is retried and rolled up in flight, then ends (as the worker would leave it, with no stale mark), and
    // the next run catches up.
    const [middle] = await stack.api.sql<{ id: string }>(
      `SELECT id FROM webhook_deliveries WHERE tenant_id = $1 AND status = 'failed' AND created_at BETWEEN $2 AND $3
        ORDER BY created_at LIMIT 1`,
      [acme.id, at(60), at(30)],
    );
    const again = await stack.api.request('POST', `/api/v1/deliveries/${middle.id}/retry`, { token: admin.token });
    expect(again.status, again.text).toBe(202);
    await rollups.rollUpOnce();
    await stack.api.sql(
      `UPDATE webhook_deliveries SET status = 'delivered', next_attempt_at = NULL, attempt_count = attempt_count + 1
        WHERE id = $1`,
      [middle.id],
    );
    expect(await answers()).not.toEqual(await counted());
    await rollups.rollUpOnce();
    expect(await answers()).toEqual(await counted());
  }, 60_000);
});
