// MSSP distribution (issue 20 point 4): an MSSP admin exports an app from its own tenant and imports it into two
// customers below it at once, a result per tenant, each tenant's import audited in that tenant; a tenant outside the
// subtree (or unknown) refuses the whole request before anything is written; a dry run writes nothing anywhere; a
// tenant admin cannot distribute beyond its own tenant.
import { TestApi, startTestApi } from '../support/test-api';

type Json = Record<string, any>;

describe('transfer distribution', () => {
  let api: TestApi;
  let mssp: { token: string; id: string };
  let acmeAdmin: { token: string };
  let msspId: string;
  let customerA: { id: string; code: string };
  let customerB: { id: string; code: string };
  let acme: { id: string; code: string };
  let document: Json;

  const titled = async (tenantId: string, title: string) =>
    Number(
      (
        await api.sql<{ n: string }>(
          `SELECT count(*) AS n FROM integrations WHERE tenant_id = $1 AND title = $2 AND deleted_at IS NULL`,
          [tenantId, title],
        )
      )[0].n,
    );
  const distribute = (token: string, body: Json) => api.request('POST', '/api/v1/transfer/distribute', { token, body });

  beforeAll(async () => {
    api = await startTestApi();
    msspId = (await api.seedTenant('mssp')).id;
    customerA = await api.seedTenant('customer-a', 'mssp');
    customerB = await api.seedTenant('customer-b', 'mssp');
    acme = await api.seedTenant('acme');
    mssp = await api.seedUser('mssp', 'mssp_admin');
    acmeAdmin = await api.seedUser('acme', 'tenant_admin');
    const made = await api.request('POST', '/api/v1/integrations', {
      token: mssp.token,
      body: { title: 'EDR', fields: [{ name: 'api_token', type: 'secret', required: true }] },
    });
    expect(made.status, made.text).toBe(201);
    const task = await api.request('POST', `/api/v1/integrations/${made.body.id}/tasks`, {
      token: mssp.token,
      body: {
        name: 'Isolate host',
        task_tag: 'isolate_host',
        request: { method: 'POST', path: '/hosts/{{input.host}}/isolate' },
        input_fields: [{ name: 'host', label: 'Host', type: 'text', required: true }],
      },
    });
    expect(task.status, task.text).toBe(201);
    const exported = await api.request('POST', '/api/v1/transfer/export', { token: mssp.token, body: {} });
    expect(exported.status, exported.text).toBe(200);
    document = exported.body;
  }, 60_000);
  afterAll(async () => {
    await api?.close();
  });

  it('refuses the whole request when one tenant is outside the subtree, before anything is written', async () => {
    for (const outside of [acme.id, 'no-such-tenant']) {
      const res = await distribute(mssp.token, {
        document,
        tenant_ids: [customerA.id, outside],
        import_type: 'overwrite',
      });
      expect([res.status, res.body.error.code]).toEqual([403, 'transfer_tenant_forbidden']);
      expect(res.body.error.details.map((d: Json) => d.message)).toEqual([outside]);
    }
    expect(await titled(customerA.id, 'EDR')).toBe(0);
    expect(await titled(acme.id, 'EDR')).toBe(0);
    // A tenant admin's subtree is its own tenant: another tenant is refused.
    const sideways = await distribute(acmeAdmin.token, { document, tenant_ids: [customerA.id], import_type: 'skip' });
    expect(sideways.status).toBe(403);
    expect(await titled(customerA.id, 'EDR')).toBe(0);
    // Bad bodies: 400, nothing written.
    for (const body of [
      { document, tenant_ids: [], import_type: 'overwrite' },
      { document, tenant_ids: customerA.id, import_type: 'overwrite' },
      { document, tenant_ids: [customerA.id], import_type: 'merge' },
      {
        document: { ...document, checksum: { algorithm: 'sha256', value: '0'.repeat(64) } },
        tenant_ids: [customerA.id],
        import_type: 'overwrite',
      },
    ]) {
      const res = await distribute(mssp.token, body);
      expect(res.status, res.text).toBe(400);
    }
    expect(await titled(customerA.id, 'EDR')).toBe(0);
  });

  it('a dry run answers per tenant and writes nothing', async () => {
    const res = await distribute(mssp.token, {
      document,
      tenant_ids: [customerA.id, customerB.code],
      import_type: 'overwrite',
      dry_run: true,
    });
    expect(res.status, res.text).toBe(200);
    expect(res.body.results.map((r: Json) => [r.tenant_code, r.status, r.report.dry_run])).toEqual([
      ['customer-a', 'completed', true],
      ['customer-b', 'completed', true],
    ]);
    expect(await titled(customerA.id, 'EDR')).toBe(0);
    expect(await titled(customerB.id, 'EDR')).toBe(0);
  });

  it('imports into every named tenant, each audited in that tenant, and skips on a second run', async () => {
    const res = await distribute(mssp.token, {
      document,
      tenant_ids: [customerA.id, customerB.code],
      import_type: 'overwrite',
    });
    expect(res.status, res.text).toBe(200);
    expect(res.body.results).toHaveLength(2);
    for (const [i, tenant] of [customerA, customerB].entries()) {
      const result = res.body.results[i];
      expect(result).toMatchObject({ tenant_id: tenant.id, status: 'completed', error: null });
      expect(result.report.items.map((it: Json) => [it.kind, it.name, it.action])).toEqual(
        expect.arrayContaining([
          ['integration', 'EDR', 'create'],
          ['task', 'isolate_host', 'create'],
        ]),
      );
      expect(await titled(tenant.id, 'EDR')).toBe(1);
      const [task] = await api.sql<{ n: string }>(
        `SELECT count(*) AS n FROM tasks WHERE tenant_id = $1 AND task_tag = 'isolate_host' AND deleted_at IS NULL`,
        [tenant.id],
      );
      expect(Number(task.n)).toBe(1);
      const audit = await api.sql<{ changes: Json }>(
        `SELECT changes FROM audit_events WHERE tenant_id = $1 AND action = 'transfer.import' ORDER BY created_at`,
        [tenant.id],
      );
      // The dry run's row, then the import's.
      expect(audit.map((a) => a.changes.dry_run)).toEqual([true, false]);
      audit.shift();
      expect(audit[0].changes).toMatchObject({ import_type: 'overwrite', dry_run: false, status: 'completed' });
      expect(JSON.stringify(audit[0].changes)).not.toContain('isolate');
    }
    const [request] = await api.sql<{ changes: Json }>(
      `SELECT changes FROM audit_events WHERE tenant_id = $1 AND action = 'transfer.distribute'
        AND outcome = 'success' AND changes->>'dry_run' IS NULL`,
      [msspId],
    );
    expect(request.changes).toMatchObject({ tenant_ids: [customerA.id, customerB.code], import_type: 'overwrite' });
    expect(JSON.stringify(request.changes)).not.toContain('isolate');

    const again = await distribute(mssp.token, { document, tenant_ids: [customerA.id], import_type: 'skip' });
    expect(again.status, again.text).toBe(200);
    expect(again.body.results[0].report.items.find((it: Json) => it.kind === 'integration').action).toBe('skip');
    expect(await titled(customerA.id, 'EDR')).toBe(1);
  });
});
