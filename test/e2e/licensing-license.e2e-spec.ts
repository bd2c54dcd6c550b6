// The licence itself through the real API: the trial and community plans, an enterprise licence through grace to
// community, renewal, every refusal (nothing written, the licence in force stays), the clock-rollback guard, the
// gauges. Licences are signed here with real Ed25519 keys; the API's clock is moved instead of waiting.
import { LicenseState, LicenseStateService, PLANS, TRIAL_DAYS } from '@conduit/licensing';
import { CompactSign } from 'jose';
import { TestApi, startTestApi } from '../support/test-api';
import { DAY_MS, MovableClock, TestKey, claims, keySet, makeKey, seconds, sign } from '../support/licenses';

describe('the licence', () => {
  let api: TestApi;
  let clock: MovableClock;
  let keyA: TestKey;
  let keyB: TestKey;
  let untrusted: TestKey;
  let impostor: TestKey;
  let admin: { token: string; email: string };
  let msspAdmin: { token: string };
  let tenantAdmin: { token: string };
  let installationId: string;

  beforeAll(async () => {
    [keyA, keyB, untrusted, impostor] = await Promise.all([
      makeKey('test-a'),
      makeKey('test-b'),
      makeKey('test-c'),
      makeKey('test-a'), // another key pair under a trusted kid
    ]);
    api = await startTestApi({ CONDUIT_LICENSE_PUBLIC_KEYS: keySet(keyA, keyB) });
    clock = new MovableClock(api.app);
    await api.seedTenant('platform');
    admin = await api.seedUser('platform', 'platform_admin');
    await api.seedTenant('mssp');
    msspAdmin = await api.seedUser('mssp', 'mssp_admin');
    tenantAdmin = await api.seedUser('mssp', 'tenant_admin');
    [{ installation_id: installationId }] = await api.sql('SELECT installation_id FROM license_installation');
  });
  afterAll(() => api.close());

  /** A fresh installation as of its first start: no licence, the clock right, nothing seen ahead of it. */
  beforeEach(async () => {
    clock.reset();
    await api.sql(`DELETE FROM licenses; DELETE FROM license_notices;
      UPDATE license_installation SET first_started_at = now(), latest_seen_at = now(), clock_rollback_at = NULL`);
    await state().refresh();
  });

  const state = () => api.app.get(LicenseStateService);
  const getLicense = (token = admin.token) => api.request('GET', '/api/v1/license', { token });
  const install = (license: unknown, token = admin.token) =>
    api.request('PUT', '/api/v1/license', { token, body: { license } });
  const firstStart = async () =>
    (await api.sql('SELECT first_started_at FROM license_installation'))[0].first_started_at as Date;

  it('runs a trial for 30 days from the first start, then the community plan', async () => {
    const started = await firstStart();
    const trial = await getLicense();
    expect(trial.status).toBe(200);
    expect(trial.body).toMatchObject({
      plan: 'trial',
      standing: 'none',
      installation_id: installationId,
      license_id: null,
      licensee: null,
      expires_at: new Date(started.getTime() + TRIAL_DAYS * DAY_MS).toISOString(),
      days_left: TRIAL_DAYS,
      clock_rollback: false,
      features: [...PLANS.trial.features],
      notice: expect.stringMatching(/^Trial: 30 days left/),
    });
    // Usage as the quotas count it: live tenants but the platform's, memberships of live tenants.
    const [counted] = await api.sql<{ tenants: number; users: number }>(
      `SELECT (SELECT count(*)::int FROM tenants WHERE deleted_at IS NULL AND code <> 'platform') AS tenants,
              (SELECT count(*)::int FROM memberships m JOIN tenants t ON t.id = m.tenant_id WHERE t.deleted_at IS NULL) AS users`,
    );
    expect(trial.body.quotas.tenants).toEqual({ limit: PLANS.trial.quotas.tenants, used: counted.tenants });
    expect(trial.body.quotas.users).toEqual({ limit: PLANS.trial.quotas.users, used: counted.users });
    expect(counted.users).toBeGreaterThan(0);

    clock.set(started.getTime() + TRIAL_DAYS * DAY_MS - 60_000);
    expect((await getLicense()).body).toMatchObject({ plan: 'trial', days_left: 1 });
    clock.set(started.getTime() + TRIAL_DAYS * DAY_MS + 1000);
    const community = await getLicense();
    expect(community.body).toMatchObject({ plan: 'community', standing: 'none', days_left: 0 });
    expect(community.body.features).toEqual([...PLANS.community.features]);
    expect(community.body.quotas.users.limit).toBe(PLANS.community.quotas.users);
    // What every quota and feature check reads, on this process.
    expect(api.app.get(LicenseState).current()).toMatchObject({ plan: 'community', quotas: PLANS.community.quotas });
  });

  it('takes an enterprise licence, keeps it through grace_days past exp, then falls back to community', async () => {
    const now = clock.now();
    const granted = claims(now, 10, { jti: 'lic-acme-1', grace_days: 5 });
    const token = await sign(keyA, granted);
    const res = await install(token);
    expect(res.status, res.text).toBe(200);
    expect(res.body).toMatchObject({
      plan: 'enterprise',
      standing: 'active',
      license_id: 'lic-acme-1',
      licensee: 'Acme Security Ltd',
      key_id: 'test-a',
      expires_at: new Date((granted.exp as number) * 1000).toISOString(),
      days_left: 10,
      grace_days: 5,
      in_grace: false,
      installed_by: admin.email,
      features: ['mssp', 'saml', 'export_import'],
    });
    expect(res.body.quotas).toMatchObject({ tenants: { limit: 40 }, instances: { limit: null } });
    expect((await getLicense()).body).toMatchObject({ plan: 'enterprise', license_id: 'lic-acme-1' });

    // Audited, with the token's fingerprint only.
    const [audit] = await api.sql(
      `SELECT action, outcome, actor_label, changes FROM audit_events WHERE action = 'license.install' ORDER BY created_at DESC LIMIT 1`,
    );
    expect(audit).toMatchObject({ outcome: 'success', actor_label: admin.email });
    expect(audit.changes.license_sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(audit.changes)).not.toContain(token);

    clock.set(now.getTime() + 12 * DAY_MS);
    const grace = await getLicense();
    expect(grace.body).toMatchObject({
      plan: 'enterprise',
      standing: 'grace',
      in_grace: true,
      days_left: 0,
      grace_days_left: 3,
      notice: expect.stringMatching(/grace period ends in 3 days/),
    });
    expect(grace.body.quotas.tenants.limit).toBe(40);

    clock.set(now.getTime() + 15 * DAY_MS + 1000);
    const lapsed = await getLicense();
    expect(lapsed.body).toMatchObject({ plan: 'community', standing: 'lapsed', license_id: 'lic-acme-1' });
    expect(lapsed.body.features).toEqual([...PLANS.community.features]);
    expect(api.app.get(LicenseState).current().quotas).toEqual(PLANS.community.quotas);
  });

  it('renews: a newer licence is in force at once and the previous one stays in the history', async () => {
    const now = clock.now();
    expect((await install(await sign(keyA, claims(now, 3, { jti: 'lic-old', grace_days: 0 })))).status).toBe(200);
    // Lapsed meanwhile (no grace), then renewed with a licence signed by the vendor's newer key.
    clock.set(now.getTime() + 4 * DAY_MS);
    expect((await getLicense()).body.standing).toBe('lapsed');
    const renewed = await install(
      await sign(keyB, claims(clock.now(), 365, { jti: 'lic-new', features: ['mssp'], grace_days: 30 })),
    );
    expect(renewed.status, renewed.text).toBe(200);
    expect(renewed.body).toMatchObject({
      plan: 'enterprise',
      standing: 'active',
      license_id: 'lic-new',
      days_left: 365,
    });
    expect((await getLicense()).body).toMatchObject({ license_id: 'lic-new', key_id: 'test-b', features: ['mssp'] });
    const history = await api.sql(
      `SELECT license_id, active, replaced_at, installed_via FROM licenses ORDER BY installed_at`,
    );
    expect(history).toEqual([
      { license_id: 'lic-old', active: false, replaced_at: expect.any(Date), installed_via: 'api' },
      { license_id: 'lic-new', active: true, replaced_at: null, installed_via: 'api' },
    ]);
  });

  it('refuses every bad licence with its code, writes nothing, and keeps the licence in force', async () => {
    const now = clock.now();
    const good = await sign(keyA, claims(now, 100, { jti: 'lic-in-force' }));
    expect((await install(good)).status).toBe(200);
    const before = await api.sql('SELECT id, license_id, active FROM licenses ORDER BY id');

    const [header, payload] = good.split('.');
    const other = await sign(keyA, claims(now, 100, { jti: 'lic-other' }));
    const hmac = await new CompactSign(new TextEncoder().encode(JSON.stringify(claims(now, 100))))
      .setProtectedHeader({ alg: 'HS256', kid: 'test-a' })
      .sign(new Uint8Array(32).fill(7));
    const cases: [string, unknown, string, RegExp?][] = [
      ['not a JWS', 'not-a-licence', 'license_malformed'],
      ['two parts', `${header}.${payload}`, 'license_malformed'],
      ['a header that is not JSON', `bm90IGpzb24.${payload}.c2ln`, 'license_malformed'],
      ['a payload that is not JSON', await sign(keyA, 'hello'), 'license_malformed'],
      [
        'an unknown feature',
        await sign(keyA, claims(now, 100, { features: ['mssp', 'time_travel'] })),
        'license_malformed',
        /time_travel/,
      ],
      ['a quota missing', await sign(keyA, claims(now, 100, { quotas: { tenants: 1 } })), 'license_malformed'],
      ['a negative grace', await sign(keyA, claims(now, 100, { grace_days: -1 })), 'license_malformed'],
      ['another type', await sign(keyA, claims(now, 100, { type: 'trial' })), 'license_malformed'],
      ['an unknown claim', await sign(keyA, claims(now, 100, { seats: 5 })), 'license_malformed'],
      ['HS256', hmac, 'license_signature_invalid'],
      [
        'a payload from another licence',
        `${other.split('.')[0]}.${payload}.${other.split('.')[2]}`,
        'license_signature_invalid',
      ],
      [
        'a signature by another key under a trusted kid',
        await sign(impostor, claims(now, 100)),
        'license_signature_invalid',
      ],
      ['an untrusted kid', await sign(untrusted, claims(now, 100)), 'license_key_unknown', /test-c/],
      ['no kid', await sign(keyA, claims(now, 100), { kid: undefined }), 'license_key_unknown'],
      ['an expired licence', await sign(keyA, claims(new Date(now.getTime() - 30 * DAY_MS), 10)), 'license_expired'],
      [
        'a licence valid from tomorrow',
        await sign(keyA, claims(now, 100, { nbf: seconds(now.getTime() + DAY_MS) })),
        'license_not_yet_valid',
      ],
      [
        'a licence for another installation',
        await sign(keyA, claims(now, 100, { installation_id: '0193a6b2-7c1d-7e4f-9a55-3b2f6c1d2e3f' })),
        'license_installation_mismatch',
      ],
    ];
    for (const [what, license, code, detail] of cases) {
      const res = await install(license);
      expect(res.status, `${what}: ${res.text}`).toBe(400);
      expect(res.body.error.code, what).toBe(code);
      if (detail) expect(JSON.stringify(res.body.error), what).toMatch(detail);
    }
    // Bodies that are not a licence at all: the request's validation.
    for (const body of [{}, { license: 42 }, { license: '' }, { license: 'x'.repeat(16 * 1024 + 1) }]) {
      const res = await api.request('PUT', '/api/v1/license', { token: admin.token, body });
      expect(res.status, JSON.stringify(body).slice(0, 40)).toBe(400);
      expect(res.body.error.code).toBe('validation_failed');
    }

    expect(await api.sql('SELECT id, license_id, active FROM licenses ORDER BY id')).toEqual(before);
    expect((await getLicense()).body).toMatchObject({ plan: 'enterprise', license_id: 'lic-in-force' });
    // Refusals are audited as failures, without the token.
    const failures = await api.sql(
      `SELECT status_code, changes FROM audit_events WHERE action = 'license.install' AND outcome = 'failure'`,
    );
    expect(failures.length).toBeGreaterThanOrEqual(cases.length);
    const trail = JSON.stringify(failures);
    for (const [what, license] of cases) {
      if (typeof license === 'string' && license.length > 40) expect(trail, what).not.toContain(license);
    }

    // The licence bound to this installation installs.
    const bound = await install(
      await sign(keyA, claims(now, 100, { jti: 'lic-bound', installation_id: installationId })),
    );
    expect(bound.status, bound.text).toBe(200);
    expect(bound.body).toMatchObject({ license_id: 'lic-bound', license_installation_id: installationId });
  });

  it('lets MSSP admins read the licence, only platform admins install one, and nobody else see it', async () => {
    const license = await sign(keyA, claims(clock.now(), 100));
    expect((await getLicense(msspAdmin.token)).status).toBe(200);
    expect((await install(license, msspAdmin.token)).status).toBe(403);
    expect((await getLicense(tenantAdmin.token)).status).toBe(403);
    expect((await install(license, tenantAdmin.token)).status).toBe(403);
    expect((await api.request('GET', '/api/v1/license')).status).toBe(401);
    expect(await api.sql('SELECT id FROM licenses')).toEqual([]);
  });

  it('treats a clock more than a day behind the latest time seen as past expiry, until it is corrected', async () => {
    const now = clock.now();
    expect((await install(await sign(keyA, claims(now, 100, { jti: 'lic-clock' })))).status).toBe(200);
    // The installation runs 10 days on (a process moves latest_seen_at forward), then the clock is set back 2 days.
    clock.set(now.getTime() + 10 * DAY_MS);
    await state().refresh();
    const [{ latest_seen_at: seen }] = await api.sql('SELECT latest_seen_at FROM license_installation');
    expect(Math.abs(seen.getTime() - clock.now().getTime())).toBeLessThan(5000);
    clock.set(now.getTime() + 8 * DAY_MS);
    const rolledBack = await getLicense();
    expect(rolledBack.body).toMatchObject({
      plan: 'community',
      standing: 'clock_rollback',
      clock_rollback: true,
      license_id: 'lic-clock',
      latest_seen_at: seen.toISOString(),
      notice: expect.stringMatching(/more than a day behind/),
    });
    expect(api.app.get(LicenseState).current().features).toEqual(PLANS.community.features);
    // The guard does not move latest_seen_at back.
    await state().refresh();
    expect((await api.sql('SELECT latest_seen_at FROM license_installation'))[0].latest_seen_at).toEqual(seen);
    // A licence expired by the latest time seen is expired, whatever the clock says.
    const stale = await install(await sign(keyA, claims(clock.now(), 1.5)));
    expect(stale.body.error?.code).toBe('license_expired');

    // Less than a day behind: within tolerance. Corrected: enterprise again.
    clock.set(now.getTime() + 9.5 * DAY_MS);
    expect((await getLicense()).body).toMatchObject({ plan: 'enterprise', standing: 'active', clock_rollback: false });
    clock.set(now.getTime() + 10 * DAY_MS);
    expect((await getLicense()).body.standing).toBe('active');
  });

  it('exports seconds to expiry and the plan in force as gauges', async () => {
    const now = clock.now();
    await install(await sign(keyA, claims(now, 10, { jti: 'lic-metrics', grace_days: 0 })));
    const scrape = async () => (await api.request('GET', '/metrics')).text;
    const gauge = (text: string, series: string) => {
      const line = text.split('\n').find((l) => l.startsWith(`${series} `));
      return line === undefined ? undefined : Number(line.slice(series.length + 1));
    };
    const active = await scrape();
    expect(active).toMatch(/^# TYPE conduit_license_expiry_seconds gauge/m);
    expect(gauge(active, 'conduit_license_expiry_seconds{plan="enterprise"}')).toBeGreaterThan(10 * 86400 - 60);
    expect(gauge(active, 'conduit_license_expiry_seconds{plan="enterprise"}')).toBeLessThanOrEqual(10 * 86400);
    expect(gauge(active, 'conduit_license_info{plan="enterprise",standing="active",license_id="lic-metrics"}')).toBe(1);

    clock.set(now.getTime() + 11 * DAY_MS);
    const lapsed = await scrape();
    const expiry = gauge(lapsed, 'conduit_license_expiry_seconds{plan="community"}');
    expect(expiry).toBeLessThan(-86400 + 60);
    expect(expiry).toBeGreaterThan(-86400 - 60);
    expect(gauge(lapsed, 'conduit_license_expiry_seconds{plan="enterprise"}')).toBeUndefined();
    expect(gauge(lapsed, 'conduit_license_info{plan="community",standing="lapsed",license_id="lic-metrics"}')).toBe(1);
  });
});
