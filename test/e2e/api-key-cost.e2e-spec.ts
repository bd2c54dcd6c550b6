// What one API-key request costs the database (counted per round trip on the API's own pool), and proof that the
// saving comes from merging reads, not from a cache: every change to the key, its creator or its tenant shows on the
// very next request, however warm the key is.
import { getDataSourceToken } from '@nestjs/typeorm';
import type { Pool } from 'pg';
import type { DataSource } from 'typeorm';
import { TestApi, startTestApi } from '../support/test-api';

/** Auth reads the key in one message; the request transaction of GET /auth/me is BEGIN, set_config, COMMIT. */
const AUTH_ROUND_TRIPS = 1;
const REQUEST_TRANSACTION_ROUND_TRIPS = 3;

type QueryFn = (this: unknown, ...args: unknown[]) => unknown;

/**
 * The API's one timer against PostgreSQL, licensing's read of the licence in force (every LICENSE_REFRESH_MS): it may
 * fall into any window, and is no request's cost.
 */
const BACKGROUND = /\blicense_installation\b/;

/**
 * The text of every message the API's pool sends while fn runs (one pg client.query() is one round trip), but the
 * background timer's.
 */
async function messagesDuring(api: TestApi, fn: () => Promise<unknown>): Promise<string[]> {
  type PoolInternals = Pool & { Client: { prototype: { query: QueryFn } }; _clients: unknown[] };
  const pool = (api.app.get<DataSource>(getDataSourceToken()).driver as unknown as { master: PoolInternals }).master;
  const proto = pool.Client.prototype;
  const original = proto.query;
  const seen: string[] = [];
  proto.query = function (this: unknown, ...args: unknown[]) {
    // Only the pool's connections: the test's own owner connections (api.sql) are not the API's cost.
    if (pool._clients.includes(this)) {
      const q = args[0] as string | { text: string };
      const text = typeof q === 'string' ? q : q.text;
      if (!BACKGROUND.test(text)) seen.push(text);
    }
    return original.apply(this, args);
  };
  try {
    await fn();
  } finally {
    proto.query = original;
  }
  return seen;
}

const touchesApiKeys = (text: string) => /\bapi_keys\b/.test(text);

async function eventually(check: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('API-key request cost', () => {
  let api: TestApi;
  let admin: { id: string; token: string };

  beforeAll(async () => {
    api = await startTestApi();
    await api.seedTenant('cost');
    await api.seedTenant('cost-other');
    admin = await api.seedUser('cost', 'tenant_admin');
  });
  afterAll(() => api.close());

  const createKey = async (token = admin.token, tenant?: string): Promise<{ id: string; key: string }> => {
    const res = await api.request('POST', '/api/v1/api-keys', {
      token,
      tenant,
      body: { name: 'scripted', scopes: ['*'] },
    });
    expect(res.status).toBe(201);
    return res.body;
  };
  const me = (key: string) => api.request('GET', '/api/v1/auth/me', { apiKey: key });
  /** Several successful requests first, so anything remembered between requests would be warm. */
  const warm = async (key: string) => {
    for (let i = 0; i < 3; i++) expect((await me(key)).status).toBe(200);
  };

  describe('round trips', () => {
    it(`authenticates a key in at most ${AUTH_ROUND_TRIPS} round trip, and the whole request in ${AUTH_ROUND_TRIPS + REQUEST_TRANSACTION_ROUND_TRIPS}`, async () => {
      const { key } = await createKey();
      await warm(key);
      for (const presented of [{ apiKey: key }, { token: key }]) {
        const messages = await messagesDuring(api, async () =>
          expect((await api.request('GET', '/api/v1/auth/me', presented)).status).toBe(200),
        );
        const auth = messages.slice(0, messages.indexOf('START TRANSACTION'));
        expect(auth.length, auth.join('\n---\n')).toBeLessThanOrEqual(AUTH_ROUND_TRIPS);
        expect(messages.length, messages.join('\n---\n')).toBeLessThanOrEqual(
          AUTH_ROUND_TRIPS + REQUEST_TRANSACTION_ROUND_TRIPS,
        );
        expect(messages.filter(touchesApiKeys)).toHaveLength(1);
      }
    });

    it('records last use off the request path, in one more round trip at most once a minute per key', async () => {
      const { id, key } = await createKey();
      const first = await messagesDuring(api, async () => {
        expect((await me(key)).status).toBe(200);
        await eventually(
          async () => (await api.sql('SELECT last_used_at FROM api_keys WHERE id = $1', [id]))[0].last_used_at !== null,
        );
      });
      expect(first.length, first.join('\n---\n')).toBeLessThanOrEqual(
        AUTH_ROUND_TRIPS + 1 + REQUEST_TRANSACTION_ROUND_TRIPS,
      );
      expect(first.filter((m) => /UPDATE api_keys SET last_used_at/.test(m))).toHaveLength(1);
      const [{ last_used_at: recorded }] = await api.sql('SELECT last_used_at FROM api_keys WHERE id = $1', [id]);
      const again = await messagesDuring(api, async () => expect((await me(key)).status).toBe(200));
      expect(again.filter((m) => /UPDATE/.test(m))).toEqual([]);
      expect((await api.sql('SELECT last_used_at FROM api_keys WHERE id = $1', [id]))[0].last_used_at).toEqual(
        recorded,
      );
    });

    it('refuses an unknown key after one round trip and a revoked one after that and its audit row', async () => {
      const unknown = await messagesDuring(api, async () =>
        expect((await me(`ck_live_${'0'.repeat(12)}${'A'.repeat(43)}`)).body.error.code).toBe('api_key_invalid'),
      );
      expect(unknown).toHaveLength(AUTH_ROUND_TRIPS);
      const malformed = await messagesDuring(api, async () =>
        expect((await me('ck_live_short')).body.error.code).toBe('api_key_invalid'),
      );
      expect(malformed).toEqual([]);

      const { id, key } = await createKey();
      await warm(key);
      expect((await api.request('DELETE', `/api/v1/api-keys/${id}`, { token: admin.token })).status).toBe(204);
      const revoked = await messagesDuring(api, async () =>
        expect((await me(key)).body.error.code).toBe('api_key_revoked'),
      );
      expect(revoked.filter(touchesApiKeys)).toHaveLength(1);
      expect(revoked.filter((m) => /INSERT INTO "?audit_events/.test(m))).toHaveLength(1);
    });
  });

  describe('no cache: every change shows on the very next request', () => {
    it('revocation', async () => {
      const { id, key } = await createKey();
      await warm(key);
      expect((await api.request('DELETE', `/api/v1/api-keys/${id}`, { token: admin.token })).status).toBe(204);
      const res = await me(key);
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe('api_key_revoked');
    });

    it('expiry', async () => {
      const { id, key } = await createKey();
      await warm(key);
      await api.sql(`UPDATE api_keys SET expires_at = now() - interval '1 second' WHERE id = $1`, [id]);
      const res = await me(key);
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe('api_key_expired');
    });

    it("the creator's demotion, deactivation, reactivation and removal", async () => {
      const maker = await api.seedUser('cost', 'tenant_admin', 'maker@cost.test');
      const { key } = await createKey(maker.token);
      await warm(key);
      expect((await me(key)).body.role).toBe('tenant_admin');

      expect(
        (await api.request('PATCH', `/api/v1/users/${maker.id}`, { token: admin.token, body: { role: 'viewer' } }))
          .status,
      ).toBe(200);
      expect((await me(key)).body.role).toBe('viewer');

      expect(
        (await api.request('PATCH', `/api/v1/users/${maker.id}`, { token: admin.token, body: { status: 'disabled' } }))
          .status,
      ).toBe(200);
      const disabled = await me(key);
      expect(disabled.status).toBe(401);
      expect(disabled.body.error.code).toBe('api_key_creator_inactive');

      expect(
        (await api.request('PATCH', `/api/v1/users/${maker.id}`, { token: admin.token, body: { status: 'active' } }))
          .status,
      ).toBe(200);
      expect((await me(key)).status).toBe(200);

      // A membership elsewhere keeps the user: only the one in the key's tenant goes.
      const [other] = await api.sql(`SELECT id FROM tenants WHERE code = 'cost-other'`);
      await api.sql(
        `INSERT INTO memberships (id, tenant_id, user_id, role) VALUES (gen_random_uuid(), $1, $2, 'tenant_admin')`,
        [other.id, maker.id],
      );
      expect((await api.request('DELETE', `/api/v1/users/${maker.id}`, { token: admin.token })).status).toBe(204);
      expect(await api.sql('SELECT id FROM users WHERE id = $1', [maker.id])).toHaveLength(1);
      const removed = await me(key);
      expect(removed.status).toBe(401);
      expect(removed.body.error.code).toBe('api_key_creator_inactive');
    });

    it("the creator's deletion", async () => {
      const maker = await api.seedUser('cost', 'tenant_admin', 'short-lived@cost.test');
      const { key } = await createKey(maker.token);
      await warm(key);
      expect((await api.request('DELETE', `/api/v1/users/${maker.id}`, { token: admin.token })).status).toBe(204);
      expect(await api.sql('SELECT id FROM users WHERE id = $1', [maker.id])).toEqual([]);
      const res = await me(key);
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe('api_key_creator_inactive');
    });

    it("an MSSP creator's demotion in the ancestor tenant, for a key in a tenant below", async () => {
      await api.seedTenant('cost-mssp');
      await api.seedTenant('cost-customer', 'cost-mssp');
      const mssp = await api.seedUser('cost-mssp', 'mssp_admin', 'mssp@cost.test');
      await api.seedUser('cost-mssp', 'mssp_admin', 'other-mssp@cost.test');
      const { key } = await createKey(mssp.token, 'cost-customer');
      await warm(key);
      expect((await me(key)).body).toMatchObject({ role: 'mssp_admin', tenant: { code: 'cost-customer' } });
      await api.sql(`UPDATE memberships SET role = 'tenant_admin' WHERE user_id = $1`, [mssp.id]);
      const res = await me(key);
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe('api_key_creator_inactive');
    });

    it("the suspension of the tenant an MSSP creator acts from, for a key in a tenant below (as the creator's own login)", async () => {
      await api.seedTenant('cost-mssp2');
      await api.seedTenant('cost-customer2', 'cost-mssp2');
      const mssp = await api.seedUser('cost-mssp2', 'mssp_admin', 'mssp2@cost.test');
      const { key } = await createKey(mssp.token, 'cost-customer2');
      await warm(key);
      for (const status of ['suspended', 'inactive']) {
        await api.sql(`UPDATE tenants SET status = $1 WHERE code = 'cost-mssp2'`, [status]);
        const res = await me(key);
        expect(res.status, status).toBe(401);
        expect(res.body.error.code).toBe('api_key_creator_inactive');
      }
      await api.sql(`UPDATE tenants SET status = 'active' WHERE code = 'cost-mssp2'`);
      expect((await me(key)).body).toMatchObject({ role: 'mssp_admin', tenant: { code: 'cost-customer2' } });
    });

    it("the tenant's suspension", async () => {
      const { key } = await createKey();
      await warm(key);
      await api.sql(`UPDATE tenants SET status = 'suspended' WHERE code = 'cost'`);
      try {
        const res = await me(key);
        expect(res.status).toBe(403);
        expect(res.body.error.code).toBe('tenant_suspended');
      } finally {
        await api.sql(`UPDATE tenants SET status = 'active' WHERE code = 'cost'`);
      }
    });
  });
});
