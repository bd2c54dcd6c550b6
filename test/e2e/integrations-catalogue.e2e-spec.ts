// The shared catalogue across a three-level tree (platform → MSSP → customer) and the seed's catalogue endpoints at
// their documented paths (/apps/v1/...), with the seed's shapes: a multipart form, integer ids, tenant codes.
import { IntegrationDependents, IntegrationRef } from '@conduit/integrations';
import { TestApi, startTestApi } from '../support/test-api';
import { liftQuotas } from '../support/test-license';

const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
);

interface Who {
  token: string;
}

describe('integrations: shared catalogue and seed endpoints', () => {
  let api: TestApi;
  let root: Who;
  let mssp1: Who;
  let mssp2: Who;
  let cust1: Who;
  let cust1Analyst: Who;
  let cust2: Who;
  let ids: Record<string, string>;

  beforeAll(async () => {
    api = await startTestApi();
    await liftQuotas(api);
    await api.seedTenant('root');
    await api.seedTenant('mssp-one', 'root');
    await api.seedTenant('cust-one', 'mssp-one');
    await api.seedTenant('mssp-two', 'root');
    await api.seedTenant('cust-two', 'mssp-two');
    await api.seedTenant('loner');
    root = await api.seedUser('root', 'platform_admin');
    mssp1 = await api.seedUser('mssp-one', 'mssp_admin');
    mssp2 = await api.seedUser('mssp-two', 'mssp_admin');
    cust1 = await api.seedUser('cust-one', 'tenant_admin');
    cust1Analyst = await api.seedUser('cust-one', 'analyst');
    cust2 = await api.seedUser('cust-two', 'tenant_admin');
    const make = async (who: Who, title: string, shared: boolean) => {
      const res = await api.request('POST', '/api/v1/integrations', { token: who.token, body: { title, shared } });
      expect(res.status).toBe(201);
      return res.body.id as string;
    };
    ids = {
      platform: await make(root, 'Platform Shared', true),
      platformPrivate: await make(root, 'Platform Private', false),
      mssp1: await make(mssp1, 'MSSP One Shared', true),
      mssp1Private: await make(mssp1, 'MSSP One Private', false),
      mssp2: await make(mssp2, 'MSSP Two Shared', true),
      cust1: await make(cust1, 'Customer One Own', false),
    };
  });
  afterAll(async () => {
    await api?.close();
  });

  const titles = async (who: Who) => {
    const res = await api.request('GET', '/api/v1/integrations', { token: who.token });
    expect(res.status).toBe(200);
    return Object.fromEntries(
      res.body.data.map((i: { title: string; shared_from: string | null }) => [i.title, i.shared_from]),
    );
  };
  const tenantId = async (code: string) =>
    (await api.sql<{ id: string }>(`SELECT id FROM tenants WHERE code = $1`, [code]))[0].id;

  describe('shared catalogue', () => {
    it('shows a customer its own integrations and those shared by its MSSP and the platform, marked shared_from', async () => {
      expect(await titles(cust1Analyst)).toEqual({
        'Customer One Own': null,
        'MSSP One Shared': await tenantId('mssp-one'),
        'Platform Shared': await tenantId('root'),
      });
      expect(await titles(mssp1)).toEqual({
        'MSSP One Shared': null,
        'MSSP One Private': null,
        'Platform Shared': await tenantId('root'),
      });
    });

    it('pages through own and shared entries together, newest first, with no gap or repeat', async () => {
      const all = await api.request('GET', '/api/v1/integrations', { token: cust1.token });
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const query: string = cursor ? `?limit=1&cursor=${cursor}` : '?limit=1';
        const page = await api.request('GET', `/api/v1/integrations${query}`, { token: cust1.token });
        expect(page.body.data).toHaveLength(1);
        seen.push(page.body.data[0].id);
        cursor = page.body.next_cursor;
      } while (cursor);
      expect(seen).toEqual(all.body.data.map((i: { id: string }) => i.id));
      expect(seen).toEqual([ids.cust1, ids.mssp1, ids.platform]);
    });

    it("hides a sibling MSSP's shared entries from the other MSSP's customer", async () => {
      expect(await titles(cust2)).toEqual({
        'MSSP Two Shared': await tenantId('mssp-two'),
        'Platform Shared': await tenantId('root'),
      });
      for (const id of [ids.mssp1, ids.mssp1Private, ids.platformPrivate, ids.cust1]) {
        const res = await api.request('GET', `/api/v1/integrations/${id}`, { token: cust2.token });
        expect(res.status).toBe(404);
      }
      expect(await titles(mssp2)).toEqual({ 'MSSP Two Shared': null, 'Platform Shared': await tenantId('root') });
    });

    it('lets a tenant get a shared integration and its logo, but only the owner change it', async () => {
      const got = await api.request('GET', `/api/v1/integrations/${ids.mssp1}`, { token: cust1Analyst.token });
      expect(got.status).toBe(200);
      expect(got.body).toMatchObject({
        title: 'MSSP One Shared',
        shared: true,
        shared_from: await tenantId('mssp-one'),
        created_by: null,
      });
      const logo = await fetch(`${api.baseUrl}/api/v1/integrations/${ids.mssp1}/logo`, {
        headers: { authorization: `Bearer ${cust1Analyst.token}` },
      });
      expect(logo.status).toBe(200);
      expect(logo.headers.get('content-type')).toBe('image/svg+xml');
      const patch = await api.request('PATCH', `/api/v1/integrations/${ids.mssp1}`, {
        token: cust1.token,
        body: { title: 'Hijacked' },
      });
      expect(patch.status).toBe(403);
      expect(patch.body.error.code).toBe('integration_not_owned');
      const del = await api.request('DELETE', `/api/v1/integrations/${ids.platform}`, { token: cust1.token });
      expect(del.status).toBe(403);
      const [row] = await api.sql(`SELECT title, status FROM integrations WHERE id = $1`, [ids.mssp1]);
      expect(row).toEqual({ title: 'MSSP One Shared', status: 'active' });
    });

    it("lets an MSSP admin act in its customer (X-Tenant-Id), not in a sibling MSSP's", async () => {
      const made = await api.request('POST', '/api/v1/integrations', {
        token: mssp1.token,
        tenant: 'cust-one',
        body: { title: 'Made by the MSSP' },
      });
      expect(made.status).toBe(201);
      expect(made.body.tenant_id).toBe(await tenantId('cust-one'));
      const listed = await titles(cust1Analyst);
      expect(listed['Made by the MSSP']).toBeNull();
      const sibling = await api.request('POST', '/api/v1/integrations', {
        token: mssp1.token,
        tenant: 'cust-two',
        body: { title: 'Not there' },
      });
      expect(sibling.status).toBeGreaterThanOrEqual(403);
      expect(sibling.status).toBeLessThan(500);
      expect((await api.sql(`SELECT count(*)::int AS n FROM integrations WHERE title = 'Not there'`))[0].n).toBe(0);
      await api.request('DELETE', `/api/v1/integrations/${made.body.id}`, { token: mssp1.token, tenant: 'cust-one' });
    });

    it('stops showing an entry once its owner unshares it', async () => {
      const off = await api.request('PATCH', `/api/v1/integrations/${ids.mssp2}`, {
        token: mssp2.token,
        body: { shared: false },
      });
      expect(off.status).toBe(200);
      expect((await api.request('GET', `/api/v1/integrations/${ids.mssp2}`, { token: cust2.token })).status).toBe(404);
      await api.request('PATCH', `/api/v1/integrations/${ids.mssp2}`, { token: mssp2.token, body: { shared: true } });
      expect((await api.request('GET', `/api/v1/integrations/${ids.mssp2}`, { token: cust2.token })).status).toBe(200);
    });
  });

  describe('seed endpoints', () => {
    const form = (fields: Record<string, string>, logo?: { body: Buffer; name: string; type: string }) => {
      const f = new FormData();
      for (const [k, v] of Object.entries(fields)) f.append(k, v);
      if (logo) f.append('logo', new Blob([new Uint8Array(logo.body)], { type: logo.type }), logo.name);
      return f;
    };
    const upsert = async (body: FormData, who: Who = cust1) => {
      const res = await fetch(`${api.baseUrl}/apps/v1/app/generic`, {
        method: 'POST',
        headers: { authorization: `Bearer ${who.token}` },
        body,
      });
      return { status: res.status, body: (await res.json()) as any };
    };
    const FIELDS = JSON.stringify([
      { name: 'base_url', label: 'Base URL', type: 'url', required: true },
      { name: 'api_token', label: 'API token', type: 'secret', required: true },
    ]);

    it('creates with integration_id 0 (fields as JSON, a logo file), then updates by integration_id', async () => {
      const created = await upsert(
        form(
          {
            integration_id: '0',
            title: 'ServiceNow',
            category: 'ITSM',
            version: '2.0',
            fields: FIELDS,
            metadata: '{"vendor":"ServiceNow"}',
          },
          { body: PNG, name: 'logo.jpg', type: 'image/jpeg' },
        ),
      );
      expect(created.status).toBe(200);
      expect(created.body).toMatchObject({
        status: 'created',
        integration: {
          title: 'ServiceNow',
          category: 'ITSM',
          version: '2.0',
          metadata: { vendor: 'ServiceNow' },
          logo: { content_type: 'image/png', size: PNG.length },
        },
      });
      expect(created.body.integration.fields.map((f: { name: string }) => f.name)).toEqual(['base_url', 'api_token']);
      const seq = created.body.integration_id as number;
      expect(seq).toBeGreaterThan(0);

      const updated = await upsert(form({ integration_id: String(seq), description: 'Tickets', status: 'inactive' }));
      expect(updated.status).toBe(200);
      expect(updated.body).toMatchObject({
        id: created.body.id,
        integration_id: seq,
        status: 'updated',
        integration: { title: 'ServiceNow', description: 'Tickets', status: 'inactive' },
      });
      // Absent integration_id creates too; a taken title is 409.
      const dup = await upsert(form({ title: 'servicenow' }));
      expect(dup.status).toBe(409);
      expect(dup.body.error.code).toBe('integration_name_exists');
      const missing = await upsert(form({ integration_id: '999999', title: 'Nope' }));
      expect(missing.status).toBe(404);
    });

    it('refuses add_instance without its instance part, bad JSON, bad fields and bad logos, writing nothing', async () => {
      const before = (await api.sql(`SELECT count(*)::int AS n FROM integrations`))[0].n;
      const inst = await upsert(form({ title: 'With instance', add_instance: 'true' }));
      expect(inst.status).toBe(400);
      expect(inst.body.error).toMatchObject({ code: 'validation_failed' });
      expect(inst.body.error.details[0].field).toBe('instance');
      const badJson = await upsert(form({ title: 'Bad', fields: '[{' }));
      expect(badJson.status).toBe(400);
      expect(badJson.body.error.details[0].field).toBe('fields');
      const badField = await upsert(form({ title: 'Bad', fields: '[{"name":"x","type":"select"}]' }));
      expect(badField.status).toBe(400);
      expect(badField.body.error).toMatchObject({ code: 'invalid_field_definition' });
      expect(badField.body.error.details[0].field).toBe('fields.x.options');
      const badLogo = await upsert(
        form({ title: 'Bad' }, { body: Buffer.from('plain text'), name: 'logo.png', type: 'image/png' }),
      );
      expect(badLogo.status).toBe(400);
      expect(badLogo.body.error.code).toBe('logo_type_not_allowed');
      const unknown = await upsert(form({ title: 'Bad', colour: 'red' }));
      expect(unknown.status).toBe(400);
      const notMultipart = await api.request('POST', '/apps/v1/app/generic', {
        token: cust1.token,
        body: { title: 'x' },
      });
      expect(notMultipart.status).toBe(400);
      expect((await api.sql(`SELECT count(*)::int AS n FROM integrations`))[0].n).toBe(before);
      const viewerLike = await upsert(form({ title: 'By analyst' }), cust1Analyst);
      expect(viewerLike.status).toBe(403);
    });

    it('lists active integrations of a tenant code, with the shared catalogue; another tenant’s code is 404', async () => {
      const res = await api.request('GET', '/apps/v1/integration-name/cust-one', { token: cust1Analyst.token });
      expect(res.status).toBe(200);
      const byTitle = Object.fromEntries(res.body.map((r: { title: string }) => [r.title, r]));
      expect(Object.keys(byTitle).sort()).toEqual(['Customer One Own', 'MSSP One Shared', 'Platform Shared']);
      expect(byTitle['Platform Shared']).toEqual({
        id: ids.platform,
        integration_id: expect.any(Number),
        title: 'Platform Shared',
        category: '',
        version: '1.0',
        logo_url: `/api/v1/integrations/${ids.platform}/logo`,
        shared_from: await tenantId('root'),
      });
      // The inactive ServiceNow of the previous test is left out.
      expect(byTitle.ServiceNow).toBeUndefined();
      expect((await api.request('GET', '/apps/v1/integration-name/cust-two', { token: cust1.token })).status).toBe(404);
      expect((await api.request('GET', '/apps/v1/integration-name/nope', { token: cust1.token })).status).toBe(404);
      // An MSSP admin names a customer below it.
      const below = await api.request('GET', '/apps/v1/integration-name/cust-one', { token: mssp1.token });
      expect(below.status).toBe(200);
      expect(below.body.map((r: { title: string }) => r.title)).toContain('Customer One Own');
      expect((await api.request('GET', '/apps/v1/integration-name/cust-two', { token: mssp1.token })).status).toBe(404);
    });

    it('deletes by integration_id and tenant_code (the MSSP for its customer), frees the title; other codes 404', async () => {
      const created = await upsert(form({ title: 'Doomed' }));
      const seq = created.body.integration_id as number;
      const wrong = await api.request('DELETE', '/apps/v1/app', {
        token: cust2.token,
        body: { integration_id: seq, tenant_code: 'cust-one' },
      });
      expect(wrong.status).toBe(404);
      const byMssp = await api.request('DELETE', '/apps/v1/app', {
        token: mssp1.token,
        body: { integration_id: seq, tenant_code: 'cust-one' },
      });
      expect(byMssp.status).toBe(200);
      expect(byMssp.body).toEqual({
        integration_id: seq,
        status: 'deleted',
        message: 'Integration deleted',
        dependents: [],
      });
      const [row] = await api.sql(`SELECT status FROM integrations WHERE id = $1`, [created.body.id]);
      expect(row.status).toBe('deleted');
      const again = await api.request('DELETE', '/apps/v1/app', {
        token: cust1.token,
        body: { integration_id: seq, tenant_code: 'cust-one', force: true },
      });
      expect(again.status).toBe(404);
      expect((await upsert(form({ title: 'Doomed' }))).status).toBe(200);
      const bad = await api.request('DELETE', '/apps/v1/app', { token: cust1.token, body: { integration_id: 'x' } });
      expect(bad.status).toBe(400);
    });

    it('refuses a deletion while a registered source reports dependents (409 with them), unless force', async () => {
      const created = await upsert(form({ title: 'Busy' }));
      const seq = created.body.integration_id as number;
      // What the tasks domain will register: here a source reporting one task on this integration.
      const deactivated: IntegrationRef[] = [];
      api.app.get(IntegrationDependents).register({
        dependentsOf: async (ref) => (ref.id === created.body.id ? [{ kind: 'task', id: 't-1', name: 'Search' }] : []),
        beforeDelete: async (ref) => {
          deactivated.push(ref);
        },
      });
      const refused = await api.request('DELETE', '/apps/v1/app', {
        token: cust1.token,
        body: { integration_id: seq, tenant_code: 'cust-one' },
      });
      expect(refused.status).toBe(409);
      expect(refused.body.error.code).toBe('integration_has_dependents');
      expect(refused.body.error.details).toEqual([{ message: 'task Search', kind: 'task', id: 't-1', name: 'Search' }]);
      expect((await api.sql(`SELECT status FROM integrations WHERE id = $1`, [created.body.id]))[0].status).toBe(
        'active',
      );
      expect(deactivated).toEqual([]);
      const forced = await api.request('DELETE', '/apps/v1/app', {
        token: cust1.token,
        body: { integration_id: seq, tenant_code: 'cust-one', force: true },
      });
      expect(forced.status).toBe(200);
      expect(forced.body.dependents).toEqual([{ kind: 'task', id: 't-1', name: 'Search' }]);
      expect(deactivated.map((r) => r.integrationId)).toEqual([seq]);
      expect((await api.sql(`SELECT status FROM integrations WHERE id = $1`, [created.body.id]))[0].status).toBe(
        'deleted',
      );
    });
  });
});
