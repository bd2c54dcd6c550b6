// Instances (/api/v1/instances and the seed's add_instance): field values checked against the integration, secrets
// sealed and never answered, kept on PATCH, re-sent on a move to another host; the instances quota and counter; an
// MSSP customer's instance of a shared integration; deleting the integration stops its instances.
import { SecretBox } from '@conduit/secrets';
import { TestApi, startTestApi } from '../support/test-api';
import { liftQuotas, useLicenseTerms } from '../support/test-license';

interface Who {
  token: string;
}

const TOKEN = 'tok-9f2c51d0e7-SECRET';
const PASSWORD = 'pw-51ab77c3-SECRET';
const FIELDS = [
  { name: 'index', label: 'Index', type: 'text', required: true },
  { name: 'region', label: 'Region', type: 'select', options: ['eu', 'us'] },
  { name: 'api_token', label: 'API token', type: 'secret', required: true },
  { name: 'webhook_secret', label: 'Webhook secret', type: 'secret' },
];

describe('instances', () => {
  let api: TestApi;
  let admin: Who;
  let analyst: Who;
  let other: Who;
  let integrationId: string;
  let integrationSeq: number;

  beforeAll(async () => {
    api = await startTestApi();
    await liftQuotas(api);
    await api.seedTenant('root');
    await api.seedTenant('mssp', 'root');
    await api.seedTenant('cust', 'mssp');
    await api.seedTenant('acme');
    await api.seedTenant('globex');
    await api.seedTenant('race');
    admin = await api.seedUser('acme', 'tenant_admin');
    analyst = await api.seedUser('acme', 'analyst');
    other = await api.seedUser('globex', 'tenant_admin');
    const made = await api.request('POST', '/api/v1/integrations', {
      token: admin.token,
      body: { title: 'Splunk', fields: FIELDS },
    });
    expect(made.status).toBe(201);
    integrationId = made.body.id;
    integrationSeq = made.body.integration_id;
  });
  afterAll(async () => {
    await api?.close();
  });

  const create = (body: Record<string, unknown>, who: Who = admin, tenant?: string) =>
    api.request('POST', '/api/v1/instances', { token: who.token, body, tenant });
  const valid = (title: string, extra: Record<string, unknown> = {}) => ({
    integration_uuid: integrationId,
    title,
    base_url: 'https://splunk.example.com:8089/api',
    fields: { index: 'main', region: 'eu', api_token: TOKEN },
    auth: { type: 'basic', username: 'svc', password: PASSWORD },
    ...extra,
  });
  const count = async (where = 'true') =>
    (await api.sql<{ n: number }>(`SELECT count(*)::int AS n FROM integration_instances WHERE ${where}`))[0].n;
  /** Every column of the row as text, read as the owner (bypassing RLS). */
  const rowText = async (id: string) =>
    JSON.stringify(
      (await api.sql(`SELECT to_jsonb(x)::text AS t FROM integration_instances x WHERE id = $1`, [id]))[0],
    );

  it('creates, lists, gets, changes and deletes an instance, numbered per tenant, audited without secrets', async () => {
    const res = await create(valid('Production', { rate_limit: { max: 100, per_seconds: 60 } }));
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      instance_id: 1,
      integration_uuid: integrationId,
      integration_id: integrationSeq,
      title: 'Production',
      base_url: 'https://splunk.example.com:8089/api',
      fields: { index: 'main', region: 'eu', api_token: { set: true }, webhook_secret: { set: false } },
      auth: { type: 'basic', username: { set: true }, password: { set: true } },
      rate_limit: { max: 100, per_seconds: 60 },
      health_check: null,
      status: 'active',
    });
    const id = res.body.id as string;
    const second = await create(valid('Staging', { health_check: { path: '/health', interval_seconds: 60 } }));
    expect(second.body.instance_id).toBe(2);

    const list = await api.request('GET', '/api/v1/instances', { token: analyst.token });
    expect(list.status).toBe(200);
    expect(list.body.data.map((i: { title: string }) => i.title)).toEqual(['Staging', 'Production']);
    const paged = await api.request('GET', '/api/v1/instances?limit=1', { token: analyst.token });
    expect(paged.body.data.map((i: { title: string }) => i.title)).toEqual(['Staging']);
    const next = await api.request('GET', `/api/v1/instances?limit=1&cursor=${paged.body.next_cursor}`, {
      token: analyst.token,
    });
    expect(next.body.data.map((i: { title: string }) => i.title)).toEqual(['Production']);
    expect(next.body.next_cursor).toBeNull();
    const byStatus = await api.request('GET', `/api/v1/instances?status=inactive`, { token: analyst.token });
    expect(byStatus.body.data).toEqual([]);
    const bySeq = await api.request('GET', `/api/v1/instances?integration_id=${integrationSeq}`, {
      token: analyst.token,
    });
    expect(bySeq.body.data).toHaveLength(2);
    expect(
      (await api.request('GET', `/api/v1/instances?integration_id=${integrationSeq + 1000}`, { token: analyst.token }))
        .body.data,
    ).toEqual([]);

    const got = await api.request('GET', `/api/v1/instances/${id}`, { token: analyst.token });
    expect(got.status).toBe(200);
    expect(got.body.fields).toEqual({
      index: 'main',
      region: 'eu',
      api_token: { set: true },
      webhook_secret: { set: false },
    });
    expect(list.body.data[0].fields.webhook_secret).toEqual({ set: false });
    // Analysts read only; another tenant sees nothing.
    expect((await create(valid('By analyst'), analyst)).status).toBe(403);
    expect(
      (await api.request('PATCH', `/api/v1/instances/${id}`, { token: analyst.token, body: { status: 'error' } }))
        .status,
    ).toBe(403);
    expect((await api.request('GET', `/api/v1/instances/${id}`, { token: other.token })).status).toBe(404);
    expect((await api.request('GET', '/api/v1/instances', { token: other.token })).body.data).toEqual([]);

    const patched = await api.request('PATCH', `/api/v1/instances/${id}`, {
      token: admin.token,
      body: { status: 'maintenance', title: 'Prod' },
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ status: 'maintenance', title: 'Prod' });
    const dupTitle = await api.request('PATCH', `/api/v1/instances/${id}`, {
      token: admin.token,
      body: { title: 'staging' },
    });
    expect(dupTitle.status).toBe(409);
    expect(dupTitle.body.error.code).toBe('instance_title_exists');
    expect((await create(valid('STAGING'))).body.error.code).toBe('instance_title_exists');

    const del = await api.request('DELETE', `/api/v1/instances/${id}`, { token: admin.token });
    expect(del.status).toBe(204);
    expect((await api.request('GET', `/api/v1/instances/${id}`, { token: admin.token })).status).toBe(404);
    const [row] = await api.sql(`SELECT status, deleted_at FROM integration_instances WHERE id = $1`, [id]);
    expect(row.status).toBe('inactive');
    expect(row.deleted_at).not.toBeNull();
    // The title is free again; the number is not reused.
    const again = await create(valid('Prod'));
    expect(again.status).toBe(201);
    expect(again.body.instance_id).toBe(3);

    const audit = await api.sql<{ action: string; outcome: string }>(
      `SELECT action, outcome FROM audit_events WHERE action LIKE 'instance.%' AND target_id = $1 ORDER BY created_at, id`,
      [id],
    );
    expect(audit.map((a) => `${a.action} ${a.outcome}`)).toEqual([
      'instance.create success',
      'instance.update success',
      'instance.update failure',
      'instance.delete success',
    ]);
    const allAudit = await api.sql<{ t: string }>(`SELECT to_jsonb(a)::text AS t FROM audit_events a`);
    for (const a of allAudit) {
      expect(a.t).not.toContain(TOKEN);
      expect(a.t).not.toContain(PASSWORD);
    }
  });

  it('holds API keys to their instances scope', async () => {
    const key = async (scopes: string[]) =>
      (await api.request('POST', '/api/v1/api-keys', { token: admin.token, body: { name: scopes.join(), scopes } }))
        .body.key as string;
    const reader = await key(['instances:read']);
    expect((await api.request('GET', '/api/v1/instances', { apiKey: reader })).status).toBe(200);
    expect((await api.request('POST', '/api/v1/instances', { apiKey: reader, body: valid('By key') })).status).toBe(
      403,
    );
    const integrationsOnly = await key(['integrations:write']);
    expect((await api.request('GET', '/api/v1/instances', { apiKey: integrationsOnly })).status).toBe(403);
    const writer = await key(['instances:write']);
    const made = await api.request('POST', '/api/v1/instances', { apiKey: writer, body: valid('By key') });
    expect(made.status).toBe(201);
    expect(made.body.fields.api_token).toEqual({ set: true });
  });

  it('never answers, stores in plain text or audits a secret', async () => {
    const res = await create(valid('Secretive'));
    expect(res.status).toBe(201);
    const text = JSON.stringify(res.body);
    expect(text).not.toContain(TOKEN);
    expect(text).not.toContain(PASSWORD);
    const stored = await rowText(res.body.id);
    expect(stored).toContain('secrets_sealed');
    expect(stored).not.toContain(TOKEN);
    expect(stored).not.toContain(PASSWORD);
    expect(stored).not.toContain('svc'); // the username is a credential too
    const listed = JSON.stringify((await api.request('GET', '/api/v1/instances', { token: admin.token })).body);
    expect(listed).not.toContain(TOKEN);
    expect(listed).not.toContain(PASSWORD);
  });

  it('refuses bad values, auth shapes, URLs and health checks with 400 naming the field, writing nothing', async () => {
    const before = await count();
    const cases: [Record<string, unknown>, string][] = [
      [{ fields: { region: 'eu', api_token: TOKEN } }, 'fields.index'],
      [{ fields: { index: 'main', region: 'asia', api_token: TOKEN } }, 'fields.region'],
      [{ fields: { index: 'main', api_token: TOKEN, extra: 1 } }, 'fields.extra'],
      [{ fields: { index: 'main' } }, 'fields.api_token'],
      [{ auth: { type: 'basic', username: 'svc' } }, 'auth.password'],
      [{ auth: { type: 'bearer' } }, 'auth.token'],
      [{ auth: { type: 'api_key', key: 'k' } }, 'auth.header'],
      [{ auth: { type: 'api_key', key: 'k', header: 'X Bad' } }, 'auth.header'],
      [{ auth: { type: 'oauth2_client_credentials', client_id: 'a', client_secret: 'b' } }, 'auth.token_url'],
      [{ auth: { type: 'bearer', token: 't', password: 'p' } }, 'auth.password'],
      [{ base_url: 'ftp://splunk.example.com' }, 'base_url'],
      [{ base_url: 'https://user:pw@splunk.example.com' }, 'base_url'],
      [{ base_url: 'not a url' }, 'base_url'],
      [{ health_check: { interval_seconds: 60 } }, 'health_check.task_tag'],
    ];
    for (const [change, field] of cases) {
      const res = await create(valid('Bad', change));
      expect(res.status, field).toBe(400);
      expect(res.body.error.code, field).toBe('invalid_instance_config');
      expect(
        res.body.error.details.map((d: { field: string }) => d.field),
        field,
      ).toContain(field);
    }
    const dtoRefusals: Record<string, unknown>[] = [
      { rate_limit: { max: 0, per_seconds: 60 } },
      { auth: { type: 'kerberos' } },
      { status: 'deleted' },
      { integration_uuid: 'nope' },
      { base_url: undefined },
      { title: '' },
    ];
    for (const change of dtoRefusals) expect((await create(valid('Bad', change))).status).toBe(400);
    const unknownIntegration = await create(valid('Bad', { integration_uuid: '00000000-0000-4000-8000-000000000000' }));
    expect(unknownIntegration.status).toBe(404);
    expect(await count()).toBe(before);
    const otherTenants = await create(valid('Bad'), other);
    expect(otherTenants.status).toBe(404);
    expect(otherTenants.body.error.code).toBe('integration_not_found');
  });

  it('keeps omitted secrets on PATCH and opens them with the new values sealed', async () => {
    const made = await create(valid('Keeper'));
    const id = made.body.id as string;
    const sealedBefore = (await api.sql(`SELECT secrets_sealed FROM integration_instances WHERE id = $1`, [id]))[0]
      .secrets_sealed;
    const res = await api.request('PATCH', `/api/v1/instances/${id}`, {
      token: admin.token,
      body: { fields: { region: 'us' }, auth: { username: 'svc2' } },
    });
    expect(res.status).toBe(200);
    expect(res.body.fields).toEqual({
      index: 'main',
      region: 'us',
      api_token: { set: true },
      webhook_secret: { set: false },
    });
    expect(res.body.auth).toEqual({ type: 'basic', username: { set: true }, password: { set: true } });
    const [row] = await api.sql(
      `SELECT tenant_id, secrets_sealed, secret_fields FROM integration_instances WHERE id = $1`,
      [id],
    );
    expect(row.secret_fields).toEqual(['api_token']);
    expect(row.secrets_sealed).not.toBe(sealedBefore);
    // What the seal holds: the kept token and password, the new username.
    const opened = await api.app.get(SecretBox).open(row.tenant_id, row.secrets_sealed, `integration_instance:${id}`);
    expect(JSON.parse(opened)).toEqual({
      fields: { api_token: TOKEN },
      credentials: { username: 'svc2', password: PASSWORD },
    });
    // The kept password is still there: the type's credentials are complete, so the PATCH was accepted.
    const removeRequired = await api.request('PATCH', `/api/v1/instances/${id}`, {
      token: admin.token,
      body: { fields: { api_token: null } },
    });
    expect(removeRequired.status).toBe(400);
    expect(removeRequired.body.error.details[0].field).toBe('fields.api_token');
    // Changing the auth type starts afresh: the new type's credentials are required.
    const toBearer = await api.request('PATCH', `/api/v1/instances/${id}`, {
      token: admin.token,
      body: { auth: { type: 'bearer' } },
    });
    expect(toBearer.status).toBe(400);
    expect(toBearer.body.error.details[0].field).toBe('auth.token');
    const bearer = await api.request('PATCH', `/api/v1/instances/${id}`, {
      token: admin.token,
      body: { auth: { type: 'bearer', token: 'bearer-SECRET-77' } },
    });
    expect(bearer.status).toBe(200);
    expect(bearer.body.auth).toEqual({ type: 'bearer', token: { set: true } });
    expect(await rowText(id)).not.toContain('bearer-SECRET-77');
  });

  it('requires every secret again when base_url moves to another host, not when only the path changes', async () => {
    const id = (await create(valid('Mover'))).body.id as string;
    const path = await api.request('PATCH', `/api/v1/instances/${id}`, {
      token: admin.token,
      body: { base_url: 'https://splunk.example.com:8089/v2' },
    });
    expect(path.status).toBe(200);
    expect(path.body.auth.password).toEqual({ set: true });
    const sealed = async () =>
      (await api.sql(`SELECT base_url, secrets_sealed FROM integration_instances WHERE id = $1`, [id]))[0];
    const before = await sealed();
    for (const body of [
      { base_url: 'https://evil.example.net/v2' },
      { base_url: 'https://splunk.example.com:9999/v2' },
      { base_url: 'https://evil.example.net', fields: { api_token: TOKEN } },
      { base_url: 'https://evil.example.net', auth: { username: 'svc', password: PASSWORD } },
    ]) {
      const res = await api.request('PATCH', `/api/v1/instances/${id}`, { token: admin.token, body });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('secrets_required_for_new_host');
    }
    const refused = await api.request('PATCH', `/api/v1/instances/${id}`, {
      token: admin.token,
      body: { base_url: 'https://evil.example.net' },
    });
    expect(refused.body.error.details.map((d: { field: string }) => d.field).sort()).toEqual([
      'auth.password',
      'auth.username',
      'fields.api_token',
    ]);
    expect(await sealed()).toEqual(before);
    const moved = await api.request('PATCH', `/api/v1/instances/${id}`, {
      token: admin.token,
      body: {
        base_url: 'https://splunk2.example.com',
        fields: { api_token: 'new-token-SECRET' },
        auth: { username: 'svc', password: 'new-pw-SECRET' },
      },
    });
    expect(moved.status).toBe(200);
    expect(moved.body.base_url).toBe('https://splunk2.example.com');
  });

  it('reserves the licence quota instances on create and shows the usage', async () => {
    const used = await count('deleted_at IS NULL');
    await useLicenseTerms(api, {
      quotas: { tenants: null, users: null, integrations: null, instances: used + 1, events_per_month: null },
    });
    try {
      expect((await create(valid('Last one'))).status).toBe(201);
      const refused = await create(valid('One too many'));
      expect(refused.status).toBe(403);
      expect(refused.body.error.code).toBe('license_quota_exceeded');
      expect(await count(`title = 'One too many'`)).toBe(0);
      const root = await api.seedUser('root', 'platform_admin');
      const usage = await api.request('GET', '/api/v1/license/usage', { token: root.token });
      expect(usage.body.quotas.find((q: { quota: string }) => q.quota === 'instances')).toEqual({
        quota: 'instances',
        limit: used + 1,
        usage: used + 1,
      });
    } finally {
      await liftQuotas(api);
    }
  });

  it('numbers 50 concurrent creations with distinct instance_ids', async () => {
    const racer = await api.seedUser('race', 'tenant_admin');
    const integration = await api.request('POST', '/api/v1/integrations', {
      token: racer.token,
      body: { title: 'Race app' },
    });
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        create({ integration_uuid: integration.body.id, title: `Race ${i}`, base_url: 'http://race.local' }, racer),
      ),
    );
    expect(results.map((r) => r.status)).toEqual(Array(50).fill(201));
    const ids = results.map((r) => r.body.instance_id as number).sort((a, b) => a - b);
    expect(ids).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
  });

  it("lets an MSSP customer instantiate its MSSP's shared integration: the instance is the customer's own", async () => {
    const msspAdmin = await api.seedUser('mssp', 'mssp_admin');
    const custAdmin = await api.seedUser('cust', 'tenant_admin');
    const shared = await api.request('POST', '/api/v1/integrations', {
      token: msspAdmin.token,
      body: { title: 'MSSP EDR', shared: true, fields: [{ name: 'api_key', label: 'Key', type: 'secret' }] },
    });
    expect(shared.status).toBe(201);
    const res = await create(
      { integration_uuid: shared.body.id, title: 'Our EDR', base_url: 'https://edr.local', fields: { api_key: TOKEN } },
      custAdmin,
    );
    expect(res.status).toBe(201);
    const [cust] = await api.sql<{ id: string }>(`SELECT id FROM tenants WHERE code = 'cust'`);
    expect(res.body).toMatchObject({ tenant_id: cust.id, integration_uuid: shared.body.id, instance_id: 1 });
    expect(res.body.fields).toEqual({ api_key: { set: true } });
    // The MSSP does not see it as its own; its admin acting in the customer does.
    expect((await api.request('GET', '/api/v1/instances', { token: msspAdmin.token })).body.data).toEqual([]);
    const asCust = await api.request('GET', '/api/v1/instances', { token: msspAdmin.token, tenant: 'cust' });
    expect(asCust.body.data.map((i: { id: string }) => i.id)).toEqual([res.body.id]);
    // A private integration of the MSSP is not instantiable below it.
    const priv = await api.request('POST', '/api/v1/integrations', {
      token: msspAdmin.token,
      body: { title: 'MSSP private' },
    });
    expect(
      (await create({ integration_uuid: priv.body.id, title: 'x', base_url: 'https://x.local' }, custAdmin)).status,
    ).toBe(404);
  });

  describe('seed: POST /apps/v1/app/generic with add_instance', () => {
    const upsert = async (fields: Record<string, string>, who: Who = admin) => {
      const f = new FormData();
      for (const [k, v] of Object.entries(fields)) f.append(k, v);
      const res = await fetch(`${api.baseUrl}/apps/v1/app/generic`, {
        method: 'POST',
        headers: { authorization: `Bearer ${who.token}` },
        body: f,
      });
      return { status: res.status, body: (await res.json()) as any };
    };
    const SEED_FIELDS = JSON.stringify([
      { name: 'api_url', label: 'API URL', type: 'url', required: true },
      { name: 'api_token', label: 'API token', type: 'secret', required: true },
    ]);

    it('creates the integration and its instance in one go, answering instance_id', async () => {
      const res = await upsert({
        integration_id: '0',
        title: 'ServiceNow',
        fields: SEED_FIELDS,
        add_instance: 'true',
        instance: JSON.stringify({
          base_url: 'https://snow.example.com',
          fields: { api_url: 'https://snow.example.com/api', api_token: TOKEN },
          auth: { type: 'bearer', token: PASSWORD },
        }),
      });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        status: 'created',
        integration: { title: 'ServiceNow' },
        instance: {
          title: 'ServiceNow',
          integration_uuid: res.body.id,
          fields: { api_url: 'https://snow.example.com/api', api_token: { set: true } },
          auth: { type: 'bearer', token: { set: true } },
        },
      });
      expect(res.body.instance_id).toBe(res.body.instance.instance_id);
      expect(JSON.stringify(res.body)).not.toContain(TOKEN);
      expect(await rowText(res.body.instance.id)).not.toContain(TOKEN);

      // On update: another instance of the same integration.
      const updated = await upsert({
        integration_id: String(res.body.integration_id),
        description: 'Tickets',
        add_instance: 'true',
        instance: JSON.stringify({
          title: 'Second',
          base_url: 'https://snow2.example.com',
          fields: { api_url: 'https://snow2.example.com', api_token: 't' },
        }),
      });
      expect(updated.status).toBe(200);
      expect(updated.body).toMatchObject({ status: 'updated', instance: { title: 'Second' } });
    });

    it('writes nothing when the instance is refused, and checks the instances quota first', async () => {
      const integrations = async () => (await api.sql(`SELECT count(*)::int AS n FROM integrations`))[0].n;
      const before = { integrations: await integrations(), instances: await count() };
      const badInstance = await upsert({
        title: 'Half made',
        fields: SEED_FIELDS,
        add_instance: 'true',
        instance: JSON.stringify({ base_url: 'https://x.example.com', fields: { api_url: 'https://x' } }),
      });
      expect(badInstance.status).toBe(400);
      expect(badInstance.body.error.code).toBe('invalid_instance_config');
      expect(badInstance.body.error.details[0].field).toBe('fields.api_token');
      const missing = await upsert({ title: 'Half made', add_instance: 'true' });
      expect(missing.status).toBe(400);
      expect(missing.body.error.details[0].field).toBe('instance');
      const unasked = await upsert({ title: 'Half made', instance: '{"base_url":"https://x.example.com"}' });
      expect(unasked.status).toBe(400);
      const badShape = await upsert({ title: 'Half made', add_instance: 'true', instance: '{"base_url":1}' });
      expect(badShape.status).toBe(400);
      expect(badShape.body.error.details[0].field).toBe('instance.base_url');
      await useLicenseTerms(api, {
        quotas: {
          tenants: null,
          users: null,
          integrations: null,
          instances: await count('deleted_at IS NULL'),
          events_per_month: null,
        },
      });
      try {
        const overQuota = await upsert({
          title: 'Half made',
          add_instance: 'true',
          instance: JSON.stringify({ base_url: 'https://x.example.com' }),
        });
        expect(overQuota.status).toBe(403);
        expect(overQuota.body.error.code).toBe('license_quota_exceeded');
      } finally {
        await liftQuotas(api);
      }
      expect({ integrations: await integrations(), instances: await count() }).toEqual(before);
    });
  });

  it('marks the instances inactive when their integration is deleted, in the same transaction', async () => {
    const made = await api.request('POST', '/api/v1/integrations', { token: admin.token, body: { title: 'Doomed' } });
    const a = await create({ integration_uuid: made.body.id, title: 'A', base_url: 'https://a.local' });
    const b = await create({ integration_uuid: made.body.id, title: 'B', base_url: 'https://b.local' });
    const keep = await create(valid('Unrelated'));
    const del = await api.request('DELETE', `/api/v1/integrations/${made.body.id}`, { token: admin.token });
    expect(del.status).toBe(204);
    const rows = await api.sql<{ id: string; status: string }>(
      `SELECT id, status FROM integration_instances WHERE id IN ($1, $2, $3) ORDER BY title`,
      [a.body.id, b.body.id, keep.body.id],
    );
    expect(Object.fromEntries(rows.map((r) => [r.id, r.status]))).toEqual({
      [a.body.id]: 'inactive',
      [b.body.id]: 'inactive',
      [keep.body.id]: 'active',
    });
    // Each stopped instance is audited and announced in the tenant, as when an MSSP withdraws a shared integration.
    const audits = await api.sql<{ target_id: string; changes: { reason: string } }>(
      `SELECT target_id, changes FROM audit_events WHERE action = 'instance.deactivate' AND target_id = ANY($1::text[])`,
      [[a.body.id, b.body.id, keep.body.id]],
    );
    expect(audits.map((r) => [r.target_id, r.changes.reason]).sort()).toEqual(
      [
        [a.body.id, 'integration_deleted'],
        [b.body.id, 'integration_deleted'],
      ].sort(),
    );
    const events = await api.sql<{ payload: { instance_uuid: string; previous_status: string } }>(
      `SELECT payload FROM webhook_events WHERE event_name = 'instance.deactivated' AND payload->>'integration_uuid' = $1`,
      [made.body.id],
    );
    expect(events.map((e) => [e.payload.instance_uuid, e.payload.previous_status]).sort()).toEqual(
      [
        [a.body.id, 'active'],
        [b.body.id, 'active'],
      ].sort(),
    );
    // The seed's DELETE /apps/v1/app does the same.
    const seedApp = await api.request('POST', '/api/v1/integrations', {
      token: admin.token,
      body: { title: 'Doomed 2' },
    });
    const c = await create({ integration_uuid: seedApp.body.id, title: 'C', base_url: 'https://c.local' });
    const seedDel = await api.request('DELETE', '/apps/v1/app', {
      token: admin.token,
      body: { integration_id: seedApp.body.integration_id, tenant_code: 'acme' },
    });
    expect(seedDel.status).toBe(200);
    expect(seedDel.body.dependents).toEqual([]);
    expect((await api.request('GET', `/api/v1/instances/${c.body.id}`, { token: admin.token })).body.status).toBe(
      'inactive',
    );
    const listed = await api.request('GET', `/api/v1/instances?integration_uuid=${made.body.id}&status=inactive`, {
      token: admin.token,
    });
    expect(listed.body.data).toHaveLength(2);
  });
});
