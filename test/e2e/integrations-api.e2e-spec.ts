// The catalogue's integrations over /api/v1/integrations: CRUD with field definitions, per-tenant numbers under
// concurrency, the licence quota, logos recognised by content and served safely, roles and isolation.
import { TestApi, startTestApi } from '../support/test-api';
import { liftQuotas, useLicenseTerms } from '../support/test-license';

const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
);
const SCRIPT_SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" onload="alert(1)">' +
  '<script>alert(document.cookie)</script><image xlink:href="https://evil.test/t.png" width="1" height="1"/>' +
  '<rect width="10" height="10" fill="url(https://evil.test/p)"/><circle r="4" fill="#0a0"/></svg>';

const FIELDS = [
  { name: 'api_url', label: 'API URL', type: 'url', required: true },
  { name: 'region', label: 'Region', type: 'select', options: ['eu', 'us'], default: 'eu' },
  { name: 'api_key', label: 'API key', type: 'secret', required: true },
  { name: 'timeout', label: 'Timeout', type: 'number', validation: { min: 1, max: 600 } },
];

describe('integrations API', () => {
  let api: TestApi;
  let admin: { id: string; token: string };
  let analyst: { token: string };
  let viewer: { token: string };
  let otherAdmin: { token: string };
  let root: { token: string };

  beforeAll(async () => {
    api = await startTestApi();
    await liftQuotas(api);
    await api.seedTenant('acme');
    await api.seedTenant('globex');
    await api.seedTenant('race');
    await api.seedTenant('root');
    root = await api.seedUser('root', 'platform_admin');
    admin = await api.seedUser('acme', 'tenant_admin');
    analyst = await api.seedUser('acme', 'analyst');
    viewer = await api.seedUser('acme', 'viewer');
    otherAdmin = await api.seedUser('globex', 'tenant_admin');
  });
  afterAll(async () => {
    await api?.close();
  });

  const create = (body: Record<string, unknown>, token = admin.token) =>
    api.request('POST', '/api/v1/integrations', { token, body });
  const count = async (where = 'true') =>
    (await api.sql<{ n: number }>(`SELECT count(*)::int AS n FROM integrations WHERE ${where}`))[0].n;
  const upload = (id: string, body: Buffer | FormData, contentType?: string, token = admin.token) =>
    fetch(`${api.baseUrl}/api/v1/integrations/${id}/logo`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${token}`, ...(contentType ? { 'content-type': contentType } : {}) },
      body: body as RequestInit['body'],
    });

  it('creates, reads, lists with filters, updates and soft-deletes an integration; every change audited', async () => {
    const res = await create({ title: 'Splunk', category: 'SIEM', version: '9.1', fields: FIELDS, metadata: { a: 1 } });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      title: 'Splunk',
      category: 'SIEM',
      version: '9.1',
      status: 'active',
      shared: false,
      shared_from: null,
      logo: null,
      logo_url: `/api/v1/integrations/${res.body.id}/logo`,
      metadata: { a: 1 },
      created_by: admin.id,
    });
    expect(res.body.integration_id).toBeGreaterThan(0);
    expect(res.body.fields).toEqual([
      { name: 'api_url', label: 'API URL', type: 'url', required: true },
      { name: 'region', label: 'Region', type: 'select', options: ['eu', 'us'], default: 'eu', required: false },
      { name: 'api_key', label: 'API key', type: 'secret', required: true },
      { name: 'timeout', label: 'Timeout', type: 'number', validation: { min: 1, max: 600 }, required: false },
    ]);
    const second = await create({ title: 'CrowdStrike', category: 'EDR', status: 'draft' });
    expect(second.body.integration_id).toBe(res.body.integration_id + 1);

    for (const token of [analyst.token, viewer.token]) {
      const got = await api.request('GET', `/api/v1/integrations/${res.body.id}`, { token });
      expect(got.status).toBe(200);
      expect(got.body.title).toBe('Splunk');
    }
    const list = async (query: string) =>
      (await api.request('GET', `/api/v1/integrations${query}`, { token: analyst.token })).body;
    expect((await list('?category=siem')).data.map((i: { title: string }) => i.title)).toEqual(['Splunk']);
    expect((await list('?status=draft')).data.map((i: { title: string }) => i.title)).toEqual(['CrowdStrike']);
    expect((await list('?q=crowd')).data.map((i: { title: string }) => i.title)).toEqual(['CrowdStrike']);
    expect((await list('?q=%25')).data).toEqual([]);
    const page1 = await list('?limit=1');
    expect(page1.data.map((i: { title: string }) => i.title)).toEqual(['CrowdStrike']);
    const page2 = await list(`?limit=1&cursor=${page1.next_cursor}`);
    expect(page2.data.map((i: { title: string }) => i.title)).toEqual(['Splunk']);

    const patched = await api.request('PATCH', `/api/v1/integrations/${res.body.id}`, {
      token: admin.token,
      body: { title: 'Splunk Cloud', status: 'inactive', fields: [{ name: 'host', type: 'text' }] },
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({
      title: 'Splunk Cloud',
      status: 'inactive',
      integration_id: res.body.integration_id,
    });
    expect(patched.body.fields).toEqual([{ name: 'host', label: 'host', type: 'text', required: false }]);

    const del = await api.request('DELETE', `/api/v1/integrations/${res.body.id}`, { token: admin.token });
    expect(del.status).toBe(204);
    expect((await api.request('GET', `/api/v1/integrations/${res.body.id}`, { token: admin.token })).status).toBe(404);
    const [row] = await api.sql(`SELECT status, deleted_at FROM integrations WHERE id = $1`, [res.body.id]);
    expect(row.status).toBe('deleted');
    expect(row.deleted_at).not.toBeNull();
    expect((await list('?status=deleted')).data.map((i: { id: string }) => i.id)).toEqual([res.body.id]);
    // The title is free again once deleted; the number is not reused.
    const again = await create({ title: 'Splunk Cloud' });
    expect(again.status).toBe(201);
    expect(again.body.integration_id).toBe(second.body.integration_id + 1);

    const actions = await api.sql<{ action: string; outcome: string }>(
      `SELECT action, outcome FROM audit_events WHERE action LIKE 'integration.%' AND target_id = $1 ORDER BY created_at, id`,
      [res.body.id],
    );
    expect(actions.map((a) => a.action)).toEqual(['integration.create', 'integration.update', 'integration.delete']);
  });

  it('lets analysts and viewers read only, and hides a tenant’s integrations from another', async () => {
    const own = await create({ title: 'Jira' });
    for (const token of [analyst.token, viewer.token]) {
      const refused = await create({ title: 'Nope' }, token);
      expect(refused.status).toBe(403);
      const patch = await api.request('PATCH', `/api/v1/integrations/${own.body.id}`, { token, body: { title: 'x' } });
      expect(patch.status).toBe(403);
    }
    const other = await api.request('GET', `/api/v1/integrations/${own.body.id}`, { token: otherAdmin.token });
    expect(other.status).toBe(404);
    expect(other.body.error.code).toBe('integration_not_found');
    const otherPatch = await api.request('PATCH', `/api/v1/integrations/${own.body.id}`, {
      token: otherAdmin.token,
      body: { title: 'stolen' },
    });
    expect(otherPatch.status).toBe(404);
    const otherList = await api.request('GET', '/api/v1/integrations', { token: otherAdmin.token });
    expect(otherList.body.data.map((i: { id: string }) => i.id)).not.toContain(own.body.id);
    expect((await api.request('GET', '/api/v1/integrations/not-a-uuid', { token: admin.token })).status).toBe(404);
  });

  it('holds API keys to their integrations scope', async () => {
    const key = await api.request('POST', '/api/v1/api-keys', {
      token: admin.token,
      body: { name: 'catalogue reader', scopes: ['integrations:read'] },
    });
    expect(key.status).toBe(201);
    const listed = await api.request('GET', '/api/v1/integrations', { apiKey: key.body.key });
    expect(listed.status).toBe(200);
    const refused = await api.request('POST', '/api/v1/integrations', {
      apiKey: key.body.key,
      body: { title: 'By key' },
    });
    expect(refused.status).toBe(403);
    const writer = await api.request('POST', '/api/v1/api-keys', {
      token: admin.token,
      body: { name: 'catalogue writer', scopes: ['integrations:write'] },
    });
    const made = await api.request('POST', '/api/v1/integrations', {
      apiKey: writer.body.key,
      body: { title: 'By key' },
    });
    expect(made.status).toBe(201);
    expect(made.body.created_by).toBe(admin.id);
  });

  it('refuses a bad field definition with 400 naming the field, and writes nothing', async () => {
    const before = await count();
    const bad = await create({
      title: 'Broken',
      fields: [
        { name: 'ok', type: 'text' },
        { name: 'level', type: 'select' },
        { name: 'code', type: 'text', validation: { pattern: '([a-z' } },
        { name: 'ok', type: 'number' },
        { name: 'host', type: 'text', validation: { pattern: '^(\\w+\\s?)+$' } },
      ],
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('invalid_field_definition');
    const fields = bad.body.error.details.map((d: { field: string }) => d.field);
    expect(fields).toEqual(
      expect.arrayContaining(['fields.level.options', 'fields.code.validation.pattern', 'fields.ok']),
    );
    expect(bad.body.error.details).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ field: 'fields.host.validation.pattern', code: 'unsafe_pattern' }),
      ]),
    );
    const badType = await create({ title: 'Broken', fields: [{ name: 'when', type: 'date' }] });
    expect(badType.body.error).toMatchObject({ code: 'invalid_field_definition' });
    expect(badType.body.error.details[0]).toMatchObject({ field: 'fields.when.type' });
    const unknown = await create({ title: 'Broken', colour: 'red' });
    expect(unknown.status).toBe(400);
    expect((await create({ title: 'Broken', status: 'deleted' })).status).toBe(400);
    expect(await count()).toBe(before);
    expect(await count(`title = 'Broken'`)).toBe(0);
  });

  it('answers 409 integration_name_exists for a title already used in the tenant, in any case', async () => {
    expect((await create({ title: 'QRadar' })).status).toBe(201);
    const dup = await create({ title: 'qradar' });
    expect(dup.status).toBe(409);
    expect(dup.body.error.code).toBe('integration_name_exists');
    // Another tenant may use the title.
    expect((await create({ title: 'QRadar' }, otherAdmin.token)).status).toBe(201);
    const other = await create({ title: 'QRadar 2' });
    const rename = await api.request('PATCH', `/api/v1/integrations/${other.body.id}`, {
      token: admin.token,
      body: { title: 'QRADAR' },
    });
    expect(rename.status).toBe(409);
    expect(rename.body.error.code).toBe('integration_name_exists');
  });

  it('numbers 50 concurrent creations 1..50 with no duplicate', async () => {
    const racer = await api.seedUser('race', 'tenant_admin');
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => create({ title: `Race ${i}` }, racer.token)),
    );
    expect(results.map((r) => r.status)).toEqual(Array(50).fill(201));
    const ids = results.map((r) => r.body.integration_id as number).sort((a, b) => a - b);
    expect(ids).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    const [counter] = await api.sql(
      `SELECT c.last_value FROM catalogue_counters c JOIN tenants t ON t.id = c.tenant_id WHERE t.code = 'race' AND c.kind = 'integration'`,
    );
    expect(counter.last_value).toBe(50);
  });

  it('reserves the licence quota integrations on create and shows the usage', async () => {
    const used = await count('deleted_at IS NULL');
    await useLicenseTerms(api, {
      quotas: { tenants: null, users: null, integrations: used + 1, instances: null, events_per_month: null },
    });
    try {
      expect((await create({ title: 'Last one' })).status).toBe(201);
      const refused = await create({ title: 'One too many' });
      expect(refused.status).toBe(403);
      expect(refused.body.error.code).toBe('license_quota_exceeded');
      expect(await count(`title = 'One too many'`)).toBe(0);
      const usage = await api.request('GET', '/api/v1/license/usage', { token: root.token });
      expect(usage.body.quotas.find((q: { quota: string }) => q.quota === 'integrations')).toEqual({
        quota: 'integrations',
        limit: used + 1,
        usage: used + 1,
      });
    } finally {
      await liftQuotas(api);
    }
  });

  describe('logo', () => {
    let id: string;
    beforeAll(async () => {
      id = (await create({ title: 'Logo holder' })).body.id;
    });

    it('serves a default SVG logo, sandboxed, while none is set', async () => {
      const res = await fetch(`${api.baseUrl}/api/v1/integrations/${id}/logo`, {
        headers: { authorization: `Bearer ${viewer.token}` },
      });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('image/svg+xml');
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('content-security-policy')).toBe("default-src 'none'; style-src 'unsafe-inline'; sandbox");
      expect(await res.text()).toMatch(/^<svg/);
    });

    it('takes a PNG declared as JPEG (named logo.jpg) as a PNG, and serves it as one', async () => {
      const form = new FormData();
      form.append('logo', new Blob([PNG], { type: 'image/jpeg' }), 'logo.jpg');
      const res = await upload(id, form);
      expect(res.status).toBe(200);
      const body = (await res.json()) as { logo: { content_type: string; size: number } };
      expect(body.logo).toMatchObject({ content_type: 'image/png', size: PNG.length });
      const served = await fetch(`${api.baseUrl}/api/v1/integrations/${id}/logo`, {
        headers: { authorization: `Bearer ${analyst.token}` },
      });
      expect(served.headers.get('content-type')).toBe('image/png');
      expect(served.headers.get('x-content-type-options')).toBe('nosniff');
      expect(Buffer.from(await served.arrayBuffer()).equals(PNG)).toBe(true);
      // A raw body works too, whatever it claims to be.
      expect((await upload(id, PNG, 'image/jpeg')).status).toBe(200);
    });

    it('refuses a text file named logo.png, an oversize image, and a PDF, keeping the logo it had', async () => {
      const form = new FormData();
      form.append('logo', new Blob(['just some text'], { type: 'image/png' }), 'logo.png');
      const text = await upload(id, form);
      expect(text.status).toBe(400);
      expect(((await text.json()) as { error: { code: string } }).error.code).toBe('logo_type_not_allowed');
      const big = Buffer.concat([PNG, Buffer.alloc(600 * 1024)]);
      const bigRes = await upload(id, big, 'image/png');
      expect(bigRes.status).toBe(413);
      expect(((await bigRes.json()) as { error: { code: string } }).error.code).toBe('logo_too_large');
      const bigForm = new FormData();
      bigForm.append('logo', new Blob([big], { type: 'image/png' }), 'big.png');
      const bigFormRes = await upload(id, bigForm);
      expect(bigFormRes.status).toBe(413);
      const pdf = await upload(id, Buffer.from('%PDF-1.7\n1 0 obj\n<<>>\nendobj\n'), 'image/png');
      expect(pdf.status).toBe(400);
      // A body that claims to be a form and is not one (found by the fuzz suite: it was a 500).
      const broken = await upload(id, Buffer.from('{}'), 'multipart/form-data; boundary=fuzz');
      expect(broken.status).toBe(400);
      expect(((await broken.json()) as { error: { code: string } }).error.code).toBe('validation_failed');
      const [row] = await api.sql(`SELECT logo_content_type, logo_size FROM integrations WHERE id = $1`, [id]);
      expect(row).toEqual({ logo_content_type: 'image/png', logo_size: PNG.length });
    });

    it('cleans a script-bearing SVG before storing it, and refuses one with nothing left', async () => {
      const res = await upload(id, Buffer.from(SCRIPT_SVG), 'image/svg+xml');
      expect(res.status).toBe(200);
      const [row] = await api.sql(
        `SELECT convert_from(logo, 'UTF8') AS svg, logo_content_type FROM integrations WHERE id = $1`,
        [id],
      );
      expect(row.logo_content_type).toBe('image/svg+xml');
      expect(row.svg).toContain('<circle');
      expect(row.svg).not.toMatch(/script|onload|evil\.test|alert/i);
      const served = await fetch(`${api.baseUrl}/api/v1/integrations/${id}/logo`, {
        headers: { authorization: `Bearer ${viewer.token}` },
      });
      expect(served.headers.get('content-type')).toBe('image/svg+xml');
      expect(served.headers.get('content-security-policy')).toContain('sandbox');
      expect(await served.text()).not.toMatch(/script|onload/i);
      const empty = await upload(id, Buffer.from('<script>alert(1)</script><svg onload="x"'), 'image/svg+xml');
      expect(empty.status).toBe(400);
    });

    it('lets only admins set it, and hides it from other tenants', async () => {
      expect((await upload(id, PNG, 'image/png', analyst.token)).status).toBe(403);
      expect((await upload(id, PNG, 'image/png', otherAdmin.token)).status).toBe(404);
      const other = await fetch(`${api.baseUrl}/api/v1/integrations/${id}/logo`, {
        headers: { authorization: `Bearer ${otherAdmin.token}` },
      });
      expect(other.status).toBe(404);
    });
  });
});
