// Expiry and clock-rollback notifications, published by the worker into the platform tenant's stream exactly once per
// licence and threshold (per occurrence for a rollback), with two workers running the notifier at the same time.
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { LicenseNotifier } from '@conduit/licensing/engine';
import { createWorkerApp } from '@conduit/worker/bootstrap';
import { DAY_MS, MovableClock, TestKey, claims, keySet, makeKey, sign } from '../support/licenses';
import { TestStack, startTestStack } from '../support/test-stack';

describe('licence notifications', () => {
  let stack: TestStack;
  let other: NestFastifyApplication;
  let clock: MovableClock;
  let key: TestKey;
  let platformId: string;
  let admin: { token: string };

  beforeAll(async () => {
    key = await makeKey('notices');
    // The workers' own timers run the notifier at start only: this test runs it itself, at the times it sets.
    stack = await startTestStack({
      config: { CONDUIT_LICENSE_PUBLIC_KEYS: keySet(key), LICENSE_NOTIFY_INTERVAL_MS: String(3600_000) },
    });
    // A second worker of the same installation.
    other = await createWorkerApp(stack.config, { logger: false, http: false });
    clock = new MovableClock(stack.api.app, stack.worker!, other);
    platformId = (await stack.api.seedTenant('platform')).id;
    admin = await stack.api.seedUser('platform', 'platform_admin');
  });
  afterAll(async () => {
    await other?.close();
    await stack?.close();
  });

  /** Both workers run the notifier at once, twice over. */
  async function runEverywhere(): Promise<string[]> {
    const notifiers = [stack.get(LicenseNotifier), other.get(LicenseNotifier)];
    const published: string[] = [];
    for (let round = 0; round < 2; round++) {
      for (const names of await Promise.all(notifiers.map((n) => n.runOnce()))) published.push(...names);
    }
    return published;
  }

  const events = () =>
    stack.api.sql<{ event_name: string; payload: Record<string, unknown> }>(
      `SELECT event_name, payload FROM webhook_events WHERE tenant_id = $1 AND source = 'conduit' ORDER BY created_at, id`,
      [platformId],
    );

  it('publishes license.expiring 30, 7 and 1 days before exp, license.expired and license.grace_ended, once each', async () => {
    const start = clock.now();
    const license = await sign(key, claims(start, 40, { jti: 'lic-notices', grace_days: 10 }));
    const res = await stack.api.request('PUT', '/api/v1/license', { token: admin.token, body: { license } });
    expect(res.status, res.text).toBe(200);
    const exp = start.getTime() + 40 * DAY_MS;

    expect(await runEverywhere()).toEqual([]);
    const steps: [number, string[]][] = [
      [exp - 30 * DAY_MS + 1000, ['license.expiring']],
      [exp - 20 * DAY_MS, []],
      [exp - 7 * DAY_MS + 1000, ['license.expiring']],
      [exp - DAY_MS + 1000, ['license.expiring']],
      [exp + 1000, ['license.expired']],
      [exp + 5 * DAY_MS, []],
      [exp + 10 * DAY_MS + 1000, ['license.grace_ended']],
      [exp + 30 * DAY_MS, []],
    ];
    for (const [at, expected] of steps) {
      clock.set(at);
      expect(await runEverywhere(), new Date(at).toISOString()).toEqual(expected);
    }

    const published = await events();
    expect(published.map((e) => [e.event_name, e.payload.days_left ?? null])).toEqual([
      ['license.expiring', 30],
      ['license.expiring', 7],
      ['license.expiring', 1],
      ['license.expired', null],
      ['license.grace_ended', null],
    ]);
    expect(published[0].payload).toMatchObject({
      license_id: 'lic-notices',
      licensee: 'Acme Security Ltd',
      expires_at: new Date(Math.floor(exp / 1000) * 1000).toISOString(),
      grace_days: 10,
    });
    expect(published[4].payload).toMatchObject({ plan: 'community' });
    const notices = await stack.api.sql(
      `SELECT threshold, event_id IS NOT NULL AS published FROM license_notices WHERE license_id = 'lic-notices'
        ORDER BY claimed_at`,
    );
    expect(notices).toHaveLength(5);
    expect(notices.every((n) => n.published)).toBe(true);
  });

  it('says "expires in 7 days" once, not "in 30" too, for a licence installed 5 days before its exp', async () => {
    const now = clock.now();
    const license = await sign(key, claims(now, 5, { jti: 'lic-short' }));
    expect((await stack.api.request('PUT', '/api/v1/license', { token: admin.token, body: { license } })).status).toBe(
      200,
    );
    expect(await runEverywhere()).toEqual(['license.expiring']);
    const [latest] = await stack.api.sql(
      `SELECT payload FROM webhook_events WHERE tenant_id = $1 AND event_name = 'license.expiring'
        ORDER BY created_at DESC, id DESC LIMIT 1`,
      [platformId],
    );
    expect(latest.payload).toMatchObject({ license_id: 'lic-short', days_left: 7 });
    const notices = await stack.api.sql(
      `SELECT threshold, event_id IS NOT NULL AS published FROM license_notices WHERE license_id = 'lic-short'
        ORDER BY threshold`,
    );
    expect(notices).toEqual([
      { threshold: 'expiring_30', published: false },
      { threshold: 'expiring_7', published: true },
    ]);
  });

  it('publishes and audits license.clock_rollback once per occurrence', async () => {
    const now = clock.now();
    // Every process has seen `now`; then the clock goes back three days.
    await runEverywhere();
    clock.set(now.getTime() - 3 * DAY_MS);
    expect(await runEverywhere()).toEqual(['license.clock_rollback']);
    expect(await runEverywhere()).toEqual([]);
    // Corrected: audited, nothing published; a second rollback is a new occurrence.
    clock.set(now);
    expect(await runEverywhere()).toEqual([]);
    clock.set(now.getTime() - 2 * DAY_MS);
    expect(await runEverywhere()).toEqual(['license.clock_rollback']);
    clock.set(now);
    await runEverywhere();

    const rollbacks = (await events()).filter((e) => e.event_name === 'license.clock_rollback');
    expect(rollbacks).toHaveLength(2);
    expect(rollbacks[0].payload).toMatchObject({ plan: 'community', license_id: 'lic-short' });
    expect(rollbacks[0].payload.behind_seconds).toBeGreaterThanOrEqual(3 * 86400 - 60);
    // (Rows are stamped by the clock, which went back and forth: counted, not ordered.)
    const audit = await stack.api.sql(
      `SELECT action, actor_type FROM audit_events WHERE tenant_id = $1 AND action LIKE 'license.clock%'`,
      [platformId],
    );
    expect(audit.map((a) => a.action).sort()).toEqual([
      'license.clock_corrected',
      'license.clock_corrected',
      'license.clock_rollback',
      'license.clock_rollback',
    ]);
    expect(audit.every((a) => a.actor_type === 'system')).toBe(true);
  });
});
