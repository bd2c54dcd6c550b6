// Proves tenant isolation in PostgreSQL itself: raw SQL as the runtime role, never a WHERE tenant_id.
import { randomBytes, randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import {
  APPEND_ONLY_TABLES,
  DatabaseSetupError,
  MIGRATIONS_TABLE,
  RUNTIME_FUNCTIONS,
  assertSafeRuntimeRole,
  resolveDatabaseUrls,
  runtimeFunctionsOf,
} from '@conduit/database';
import { API_MIGRATIONS } from '@conduit/api/api.module';
import { TestDatabase, createTestDatabase } from '../support/test-database';
import { testConfig } from '../support/test-config';

interface Insert {
  sql: string;
  params: unknown[];
}
/** A fresh row of a tenant-owned table; userId belongs to a user created for this row alone. */
type RowFactory = (tenantId: string, userId: string) => Insert;

// One entry per tenant-owned table, parents before children: seeded in this order, deleted in reverse.
// A migration that adds a table with tenant_id must add it here; the first test fails naming it otherwise.
// Parent rows for the webhook children: $2 is the tenant, $3 the subscription id, $4 the event id.
const NEW_SUBSCRIPTION = `INSERT INTO webhook_subscriptions (id, tenant_id, app_name, target_url, event_types, secret_sealed, retry_schedule)
  VALUES ($3, $2, 'seed', 'https://example.test/hook', '{order.created}', 'sealed', '{0}') RETURNING id`;
const NEW_EVENT = `INSERT INTO webhook_events (id, tenant_id, event_name, source, payload) VALUES ($4, $2, 'order.created', 'seed', '{}') RETURNING id`;
// Chain parents: $2 the tenant, $3 a subscription, $4 the chain, $5 its step, $6 a run.
const NEW_CHAIN = `INSERT INTO execution_chains (id, tenant_id, name, trigger_event) VALUES ($4, $2, 'seed', 'order.created') RETURNING id`;
const NEW_CHAIN_STEP = `INSERT INTO execution_chain_steps (id, tenant_id, chain_id, steps_version, step_order, webhook_id, name)
  SELECT $5, $2, c.id, 1, 1, s.id, 'seed' FROM c, s RETURNING id, chain_id`;
const NEW_CHAIN_RUN = `INSERT INTO execution_chain_runs (id, tenant_id, chain_id, steps_version, trigger_type, trigger_event, trigger_data, total_steps)
  SELECT $6, $2, c.id, 1, 'manual', 'order.created', '{}', 1 FROM c RETURNING id`;

let usageMonths = 0;

const ROW_FACTORIES: Record<string, RowFactory> = {
  memberships: (t, u) => ({
    sql: `INSERT INTO memberships (id, tenant_id, user_id, role) VALUES ($1, $2, $3, 'viewer')`,
    params: [randomUUID(), t, u],
  }),
  api_keys: (t, u) => ({
    sql: `INSERT INTO api_keys (id, tenant_id, name, prefix, key_hash, role, created_by) VALUES ($1, $2, 'seed', $3, $4, 'viewer', $5)`,
    params: [randomUUID(), t, randomBytes(6).toString('hex'), randomBytes(32).toString('hex'), u],
  }),
  auth_sessions: (t, u) => ({
    sql: `INSERT INTO auth_sessions (id, tenant_id, user_id, current_token_id, current_token_hash, expires_at)
          VALUES ($1, $2, $3, $4, 'hash', now() + interval '1 day')`,
    params: [randomUUID(), t, u, randomUUID()],
  }),
  revoked_access_tokens: (t) => ({
    sql: `INSERT INTO revoked_access_tokens (jti, tenant_id, expires_at) VALUES ($1, $2, now() + interval '1 hour')`,
    params: [randomUUID(), t],
  }),
  sso_connections: (t) => {
    const id = randomUUID();
    return {
      sql: `INSERT INTO sso_connections (id, tenant_id, name, idp_entity_id, idp_sso_url, idp_certificates, sp_certificate, sp_private_key_sealed)
            VALUES ($1, $2, $3, 'https://idp.test', 'https://idp.test/sso', '{}', 'cert', 'sealed')`,
      params: [id, t, `idp ${id}`],
    };
  },
  // A token needs its tenant's SSO connection, a group member its group: each row brings its own parents.
  scim_tokens: (t, u) => ({
    sql: `WITH c AS (INSERT INTO sso_connections (id, tenant_id, name, idp_entity_id, idp_sso_url, idp_certificates, sp_certificate, sp_private_key_sealed)
            VALUES ($3, $2, $4, 'https://idp.test', 'https://idp.test/sso', '{}', 'cert', 'sealed') RETURNING id)
          INSERT INTO scim_tokens (id, tenant_id, connection_id, name, prefix, token_hash, created_by)
          SELECT $1, $2, c.id, 'seed', $5, $6, $7 FROM c`,
    params: [
      randomUUID(),
      t,
      randomUUID(),
      `idp ${randomUUID()}`,
      randomBytes(6).toString('hex'),
      randomBytes(32).toString('hex'),
      u,
    ],
  }),
  scim_users: (t, u) => ({
    sql: `INSERT INTO scim_users (tenant_id, user_id, external_id) VALUES ($1, $2, 'seed')`,
    params: [t, u],
  }),
  scim_groups: (t) => ({
    sql: `INSERT INTO scim_groups (id, tenant_id, display_name) VALUES ($1, $2, $3)`,
    params: [randomUUID(), t, `group ${randomUUID()}`],
  }),
  scim_group_members: (t, u) => ({
    sql: `WITH g AS (INSERT INTO scim_groups (id, tenant_id, display_name) VALUES ($3, $2, $4) RETURNING id)
          INSERT INTO scim_group_members (tenant_id, group_id, user_id) SELECT $2, g.id, $1 FROM g`,
    params: [u, t, randomUUID(), `group ${randomUUID()}`],
  }),
  sso_saml_requests: (t) => ({
    sql: `INSERT INTO sso_saml_requests (tenant_id, connection_id, id, kind, relay_state, return_to, expires_at)
          VALUES ($1, $2, $3, 'authn', 'relay', '/docs', now() + interval '10 minutes')`,
    params: [t, randomUUID(), `_${randomBytes(8).toString('hex')}`],
  }),
  sso_saml_assertions: (t) => ({
    sql: `INSERT INTO sso_saml_assertions (tenant_id, connection_id, assertion_id, expires_at)
          VALUES ($1, $2, $3, now() + interval '10 minutes')`,
    params: [t, randomUUID(), `_${randomBytes(8).toString('hex')}`],
  }),
  sso_saml_sessions: (t, u) => ({
    sql: `INSERT INTO sso_saml_sessions (tenant_id, session_id, connection_id, user_id, name_id)
          VALUES ($1, $2, $3, $4, 'someone@example.test')`,
    params: [t, randomUUID(), randomUUID(), u],
  }),
  sso_login_codes: (t) => ({
    sql: `INSERT INTO sso_login_codes (code_hash, tenant_id, connection_id, tokens_sealed, expires_at)
          VALUES ($1, $2, $3, 'sealed', now() + interval '1 minute')`,
    params: [randomBytes(32).toString('hex'), t, randomUUID()],
  }),
  tenant_auth_settings: (t) => ({
    sql: `INSERT INTO tenant_auth_settings (tenant_id, max_concurrent_sessions) VALUES ($1, 5) ON CONFLICT (tenant_id) DO NOTHING`,
    params: [t],
  }),
  // Retired, because a tenant may hold only one active data key and every tenant gets several rows.
  tenant_data_keys: (t) => ({
    sql: `INSERT INTO tenant_data_keys (id, tenant_id, wrapped_key, master_key_id, retired_at) VALUES ($1, $2, 'v1.k1.a.b.c', 'k1', now())`,
    params: [randomUUID(), t],
  }),
  webhook_subscriptions: (t) => ({
    sql: `INSERT INTO webhook_subscriptions (id, tenant_id, app_name, target_url, event_types, secret_sealed, retry_schedule)
          VALUES ($1, $2, 'seed', 'https://example.test/hook', '{order.created}', 'sealed', '{0,5}')`,
    params: [randomUUID(), t],
  }),
  webhook_events: (t) => ({
    sql: `INSERT INTO webhook_events (id, tenant_id, event_name, source, payload) VALUES ($1, $2, 'order.created', 'seed', '{}')`,
    params: [randomUUID(), t],
  }),
  // Children bring their own parents (data-modifying CTEs), so a refused parent insert refuses the whole row.
  webhook_deliveries: (t) => ({
    sql: `WITH s AS (${NEW_SUBSCRIPTION}), e AS (${NEW_EVENT})
          INSERT INTO webhook_deliveries (id, tenant_id, event_id, subscription_id, next_attempt_at) SELECT $1, $2, e.id, s.id, now() FROM e, s`,
    params: [randomUUID(), t, randomUUID(), randomUUID()],
  }),
  webhook_delivery_attempts: (t) => ({
    sql: `WITH s AS (${NEW_SUBSCRIPTION}), e AS (${NEW_EVENT}),
               d AS (INSERT INTO webhook_deliveries (id, tenant_id, event_id, subscription_id, next_attempt_at) SELECT $5, $2, e.id, s.id, now() FROM e, s RETURNING id)
          INSERT INTO webhook_delivery_attempts (id, tenant_id, delivery_id, attempt_number, duration_ms) SELECT $1, $2, d.id, 1, 10 FROM d`,
    params: [randomUUID(), t, randomUUID(), randomUUID(), randomUUID()],
  }),
  inbound_sources: (t) => ({
    sql: `INSERT INTO inbound_sources (id, tenant_id, name, provider, source_key) VALUES ($1, $2, 'seed', 'none', $3)`,
    params: [randomUUID(), t, randomBytes(16).toString('hex')],
  }),
  inbound_source_directory: (t) => ({
    sql: `INSERT INTO inbound_source_directory (source_id, tenant_id, source_key) VALUES ($1, $2, $3)`,
    params: [randomUUID(), t, randomBytes(16).toString('hex')],
  }),
  inbound_events: (t) => ({
    sql: `WITH s AS (INSERT INTO inbound_sources (id, tenant_id, name, provider, source_key) VALUES ($3, $2, 'seed', 'none', $4) RETURNING id)
          INSERT INTO inbound_events (id, tenant_id, source_id, provider, raw_body, headers, payload_size) SELECT $1, $2, s.id, 'none', '\\x7b7d', '{}', 2 FROM s`,
    params: [randomUUID(), t, randomUUID(), randomBytes(16).toString('hex')],
  }),
  execution_chains: (t) => ({
    sql: `INSERT INTO execution_chains (id, tenant_id, name, trigger_event) VALUES ($1, $2, 'seed', 'order.created')`,
    params: [randomUUID(), t],
  }),
  execution_chain_steps: (t) => ({
    sql: `WITH s AS (${NEW_SUBSCRIPTION}), c AS (${NEW_CHAIN})
          INSERT INTO execution_chain_steps (id, tenant_id, chain_id, steps_version, step_order, webhook_id, name) SELECT $1, $2, c.id, 1, 1, s.id, 'seed' FROM c, s`,
    params: [randomUUID(), t, randomUUID(), randomUUID()],
  }),
  execution_chain_runs: (t) => ({
    sql: `WITH c AS (INSERT INTO execution_chains (id, tenant_id, name, trigger_event) VALUES ($3, $2, 'seed', 'order.created') RETURNING id)
          INSERT INTO execution_chain_runs (id, tenant_id, chain_id, steps_version, trigger_type, trigger_event, trigger_data, total_steps)
          SELECT $1, $2, c.id, 1, 'manual', 'order.created', '{}', 1 FROM c`,
    params: [randomUUID(), t, randomUUID()],
  }),
  execution_chain_step_runs: (t) => ({
    sql: `WITH s AS (${NEW_SUBSCRIPTION}), c AS (${NEW_CHAIN}), st AS (${NEW_CHAIN_STEP}), r AS (${NEW_CHAIN_RUN})
          INSERT INTO execution_chain_step_runs (id, tenant_id, run_id, step_id, step_order, name) SELECT $1, $2, r.id, st.id, 1, 'seed' FROM r, st`,
    params: [randomUUID(), t, randomUUID(), randomUUID(), randomUUID(), randomUUID()],
  }),
  credentials: (t) => ({
    sql: `INSERT INTO credentials (id, tenant_id, name, value_sealed) VALUES ($1, $2, $3, 'sealed')`,
    params: [randomUUID(), t, `seed_${randomBytes(6).toString('hex')}`],
  }),
  analytics_rollups: (t) => ({
    sql: `INSERT INTO analytics_rollups (tenant_id, kind, span, period_start, key_id, stats) VALUES ($2, 'deliveries', 'hour', date_trunc('hour', now()), $1, '{}')`,
    params: [randomUUID(), t],
  }),
  // One row per tenant and kind: each row gets a kind of its own.
  analytics_rollup_progress: (t) => ({
    sql: `INSERT INTO analytics_rollup_progress (tenant_id, kind, rolled_up_until) VALUES ($2, $1, now())`,
    params: [`seed_${randomBytes(6).toString('hex')}`, t],
  }),
  analytics_stale_hours: (t) => ({
    sql: `INSERT INTO analytics_stale_hours (tenant_id, kind, hour) VALUES ($2, $1, date_trunc('hour', now()))`,
    params: [`seed_${randomBytes(6).toString('hex')}`, t],
  }),
  // One row per tenant and month: each row gets a month of its own.
  license_usage_months: (t) => ({
    sql: `INSERT INTO license_usage_months (tenant_id, month, events_published) VALUES ($2, $1::date, 1)`,
    params: [new Date(Date.UTC(2000, usageMonths++, 1)).toISOString().slice(0, 10), t],
  }),
  // One row per tenant and source: each row gets a source of its own.
  license_usage_progress: (t) => ({
    sql: `INSERT INTO license_usage_progress (tenant_id, source, counted_until) VALUES ($2, $1, now())`,
    params: [`seed_${randomBytes(6).toString('hex')}`, t],
  }),
  // One row per tenant and kind: each row gets a kind of its own.
  catalogue_counters: (t) => ({
    sql: `INSERT INTO catalogue_counters (tenant_id, kind, last_value) VALUES ($1, $2, 1)`,
    params: [t, `seed_${randomBytes(6).toString('hex')}`],
  }),
  integrations: (t, u) => ({
    sql: `INSERT INTO integrations (id, tenant_id, integration_id, title, created_by) VALUES ($1, $2, $3, $4, $5)`,
    params: [randomUUID(), t, 1 + randomBytes(3).readUIntBE(0, 3), `seed ${randomUUID()}`, u],
  }),
  // A task of one of the tenant's integrations (seeded just above); tag and number of its own. Under another tenant's
  // setting only that tenant's integrations are visible: the row is then refused for its tenant_id.
  tasks: (t, u) => ({
    sql: `INSERT INTO tasks (id, tenant_id, integration_uuid, integration_id, task_id, name, task_tag, request, created_by)
          SELECT $1, $2, i.id, i.integration_id, $3, 'seed task', $4, '{"method":"GET","path":"/"}', $5
          FROM integrations i ORDER BY (i.tenant_id = $2) DESC, i.created_at LIMIT 1`,
    params: [randomUUID(), t, 1 + randomBytes(3).readUIntBE(0, 3), `seed_${randomBytes(6).toString('hex')}`, u],
  }),
  // An instance needs an integration: one of the same tenant, made in the same statement.
  integration_instances: (t, u) => ({
    sql: `WITH i AS (
            INSERT INTO integrations (id, tenant_id, integration_id, title, created_by) VALUES ($1, $2, $3, $4, $5)
            RETURNING id, integration_id)
          INSERT INTO integration_instances (id, tenant_id, instance_id, integration_uuid, integration_id, title, base_url, created_by)
          SELECT $6, $2, $3, i.id, i.integration_id, $4, 'https://seed.local', $5 FROM i`,
    params: [randomUUID(), t, 1 + randomBytes(3).readUIntBE(0, 3), `seed ${randomUUID()}`, u, randomUUID()],
  }),
  // A run needs an instance and a task of one integration: all of the same tenant, made in the same statement.
  task_runs: (t, u) => ({
    sql: `WITH i AS (
            INSERT INTO integrations (id, tenant_id, integration_id, title, created_by) VALUES ($1, $2, $3, $4, $5)
            RETURNING id, integration_id),
          k AS (
            INSERT INTO tasks (id, tenant_id, integration_uuid, integration_id, task_id, name, task_tag, request)
            SELECT $6, $2, i.id, i.integration_id, $3, 'seed task', 'seed_task', '{"method":"GET","path":"/"}' FROM i
            RETURNING id, task_id),
          x AS (
            INSERT INTO integration_instances (id, tenant_id, instance_id, integration_uuid, integration_id, title, base_url)
            SELECT $7, $2, $3, i.id, i.integration_id, $4, 'https://seed.local' FROM i
            RETURNING id, instance_id, integration_uuid)
          INSERT INTO task_runs (id, tenant_id, instance_uuid, instance_id, integration_uuid, task_uuid, task_id, task_tag, source, status)
          SELECT $8, $2, x.id, x.instance_id, x.integration_uuid, k.id, k.task_id, 'seed_task', 'api', 'queued' FROM x, k`,
    params: [
      randomUUID(),
      t,
      1 + randomBytes(3).readUIntBE(0, 3),
      `seed ${randomUUID()}`,
      u,
      randomUUID(),
      randomUUID(),
      randomUUID(),
    ],
  }),
  monitors: (t, u) => ({
    sql: `INSERT INTO monitors (id, tenant_id, name, url, method, interval_seconds, timeout_ms, expected_status, failure_threshold, enabled, next_check_at, created_by)
          VALUES ($1, $2, 'seed', 'https://seed.local/health', 'GET', 60, 1000, '200-299', 3, true, now(), $3)`,
    params: [randomUUID(), t, u],
  }),
  // A check needs a monitor: one of the same tenant, made in the same statement.
  monitor_checks: (t) => ({
    sql: `WITH m AS (
            INSERT INTO monitors (id, tenant_id, name, url, method, interval_seconds, timeout_ms, expected_status, failure_threshold, enabled, next_check_at)
            VALUES ($1, $2, 'seed', 'https://seed.local/health', 'GET', 60, 1000, '200-299', 3, false, now()) RETURNING id)
          INSERT INTO monitor_checks (id, tenant_id, monitor_id, scheduled_for, checked_at, status, status_code, latency_ms)
          SELECT $3, $2, m.id, now(), now(), 'ok', 200, 12 FROM m`,
    params: [randomUUID(), t, randomUUID()],
  }),
  cases: (t, u) => ({
    sql: `INSERT INTO cases (id, tenant_id, case_id, title, severity, status, source, created_by)
          VALUES ($1, $2, (SELECT coalesce(max(case_id), 0) + 1 FROM cases WHERE tenant_id = $2), 'seed', 'low', 'open', 'manual', $3)`,
    params: [randomUUID(), t, u],
  }),
  // An event of a push source, attached to no case.
  case_events: (t) => ({
    sql: `INSERT INTO case_events (id, tenant_id, source, inbound_source_id, source_ref, external_id, occurred_at, raw)
          VALUES ($1, $2, 'push', $3, $3, $4, now(), '{}')`,
    params: [randomUUID(), t, randomUUID(), randomUUID()],
  }),
  // Ingestion settings need an instance (and its integration): of the same tenant, made in the same statement.
  instance_ingestion: (t, u) => ({
    sql: `WITH i AS (
            INSERT INTO integrations (id, tenant_id, integration_id, title, created_by) VALUES ($1, $2, $3, $4, $5)
            RETURNING id, integration_id),
          x AS (
            INSERT INTO integration_instances (id, tenant_id, instance_id, integration_uuid, integration_id, title, base_url)
            SELECT $6, $2, $3, i.id, i.integration_id, $4, 'https://seed.local' FROM i
            RETURNING id, integration_uuid)
          INSERT INTO instance_ingestion (instance_uuid, tenant_id, integration_uuid, task_tag, config)
          SELECT x.id, $2, x.integration_uuid, 'seed_task', '{}' FROM x`,
    params: [randomUUID(), t, 1 + randomBytes(3).readUIntBE(0, 3), `seed ${randomUUID()}`, u, randomUUID()],
  }),
  case_counters: (t) => ({
    sql: `INSERT INTO case_counters (tenant_id, last_value) VALUES ($1, 1) ON CONFLICT (tenant_id) DO NOTHING`,
    params: [t],
  }),
  audit_events: (t, u) => ({
    sql: `INSERT INTO audit_events (id, tenant_id, actor_type, actor_id, action, outcome) VALUES ($1, $2, 'user', $3, 'seed.row', 'success')`,
    params: [randomUUID(), t, u],
  }),
};

// Each lookup setting opens exactly the rows whose column equals it, in one table, across tenants.
const LOOKUPS = [
  { setting: 'app.api_key_prefix', table: 'api_keys', column: 'prefix' },
  { setting: 'app.session_id', table: 'auth_sessions', column: 'id' },
  { setting: 'app.user_id', table: 'memberships', column: 'user_id' },
  { setting: 'app.source_id', table: 'inbound_sources', column: 'id' },
  { setting: 'app.source_key', table: 'inbound_sources', column: 'source_key' },
  { setting: 'app.directory_source_id', table: 'inbound_source_directory', column: 'source_id' },
  { setting: 'app.directory_source_key', table: 'inbound_source_directory', column: 'source_key' },
  { setting: 'app.scim_token_prefix', table: 'scim_tokens', column: 'prefix' },
  { setting: 'app.sso_connection_id', table: 'sso_connections', column: 'id' },
  { setting: 'app.sso_code_hash', table: 'sso_login_codes', column: 'code_hash' },
];

const ROWS_PER_TENANT = 2;
/** Tables keyed by the tenant alone (a tenant's settings) hold one row per tenant. */
const ONE_ROW_PER_TENANT = new Set(['tenant_auth_settings', 'case_counters']);
const rowsPerTenant = (table: string): number => (ONE_ROW_PER_TENANT.has(table) ? 1 : ROWS_PER_TENANT);
const A = randomUUID();
const B = randomUUID();
const ident = (name: string) => `"${name.replace(/"/g, '""')}"`;

interface SqlError {
  code?: string;
  message: string;
}

async function sqlError(work: Promise<unknown>): Promise<SqlError | null> {
  try {
    await work;
    return null;
  } catch (error) {
    const { code, message } = error as SqlError;
    return { code, message };
  }
}

describe('row-level security (raw SQL as the runtime role)', () => {
  let db: TestDatabase;
  let owner: Client;
  let runtime: Client;
  let runtimeUrl: string;
  let tenantTables: string[];
  // Tables in ROW_FACTORIES order, so inserts and deletes respect foreign keys between them.
  let seededTables: string[];

  async function insertRow(table: string, tenantId: string, as: Client): Promise<void> {
    const userId = randomUUID();
    await owner.query(`INSERT INTO users (id, email) VALUES ($1, $2)`, [userId, `${userId}@rls.test`]);
    const { sql, params } = ROW_FACTORIES[table](tenantId, userId);
    await as.query(sql, params);
  }

  async function seedTenant(tenantId: string): Promise<void> {
    for (const table of seededTables) {
      for (let i = 0; i < rowsPerTenant(table); i++) await insertRow(table, tenantId, owner);
    }
  }

  async function ownerCount(table: string, tenantId: string): Promise<number> {
    const { rows } = await owner.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM ${ident(table)} WHERE tenant_id = $1`,
      [tenantId],
    );
    return rows[0].n;
  }

  /** Row versions of a tenant (ctid + xmin change on any UPDATE, even a no-op one). */
  async function rowVersions(table: string, tenantId: string): Promise<string[]> {
    const { rows } = await owner.query<{ v: string }>(
      `SELECT ctid::text || '@' || xmin::text AS v FROM ${ident(table)} WHERE tenant_id = $1 ORDER BY 1`,
      [tenantId],
    );
    return rows.map((r) => r.v);
  }

  /** One runtime transaction with the given transaction-local settings; rolled back unless told to commit. */
  async function asRuntime<T>(
    settings: Record<string, string>,
    fn: () => Promise<T>,
    end: 'COMMIT' | 'ROLLBACK' = 'ROLLBACK',
  ): Promise<T> {
    await runtime.query('BEGIN');
    try {
      for (const [name, value] of Object.entries(settings)) {
        await runtime.query('SELECT set_config($1, $2, true)', [name, value]);
      }
      const result = await fn();
      await runtime.query(end);
      return result;
    } catch (error) {
      await runtime.query('ROLLBACK');
      throw error;
    }
  }

  async function visibleCounts(): Promise<Record<string, { a: number; b: number; total: number }>> {
    const counts: Record<string, { a: number; b: number; total: number }> = {};
    for (const table of tenantTables) {
      const { rows } = await runtime.query<{ a: number; b: number; total: number }>(
        `SELECT count(*) FILTER (WHERE tenant_id = $1)::int AS a, count(*) FILTER (WHERE tenant_id = $2)::int AS b, count(*)::int AS total
           FROM ${ident(table)}`,
        [A, B],
      );
      counts[table] = rows[0];
    }
    return counts;
  }

  beforeAll(async () => {
    db = await createTestDatabase();
    owner = new Client({ connectionString: db.url });
    await owner.connect();
    runtimeUrl = resolveDatabaseUrls(testConfig(db.url)).runtimeUrl;
    runtime = new Client({ connectionString: runtimeUrl });
    await runtime.connect();

    const { rows } = await owner.query<{ table_name: string }>(
      `SELECT c.table_name FROM information_schema.columns c
         JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
        WHERE c.table_schema = 'public' AND c.column_name = 'tenant_id' AND t.table_type = 'BASE TABLE'
        ORDER BY 1`,
    );
    tenantTables = rows.map((r) => r.table_name);
    seededTables = Object.keys(ROW_FACTORIES).filter((t) => tenantTables.includes(t));
    for (const [id, code] of [
      [A, 'rls-a'],
      [B, 'rls-b'],
    ]) {
      await owner.query(`INSERT INTO tenants (id, code, name) VALUES ($1, $2, $2)`, [id, code]);
      await seedTenant(id);
    }
  });

  afterAll(async () => {
    await runtime?.end();
    await owner?.end();
    await db?.drop();
  });

  it('seeds rows for both tenants in every table that has a tenant_id column', async () => {
    expect(tenantTables.length).toBeGreaterThan(0);
    const missing = tenantTables.filter((t) => !(t in ROW_FACTORIES));
    expect(missing, `tenant-owned tables without an entry in ROW_FACTORIES: ${missing.join(', ')}`).toEqual([]);
    const stale = Object.keys(ROW_FACTORIES).filter((t) => !tenantTables.includes(t));
    expect(stale, `ROW_FACTORIES entries for tables that are not tenant-owned: ${stale.join(', ')}`).toEqual([]);
    for (const table of tenantTables) {
      expect(await ownerCount(table, A), `${table} has no seed rows for tenant A`).toBeGreaterThan(0);
      expect(await ownerCount(table, B), `${table} has no seed rows for tenant B`).toBeGreaterThan(0);
    }
  });

  it('enables and forces RLS with at least one policy on every tenant-owned table', async () => {
    const { rows } = await owner.query<{ table: string; enabled: boolean; forced: boolean; policies: number }>(
      `SELECT c.relname AS table, c.relrowsecurity AS enabled, c.relforcerowsecurity AS forced,
              (SELECT count(*)::int FROM pg_policies p WHERE p.schemaname = 'public' AND p.tablename = c.relname) AS policies
         FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace AND c.relname = ANY($1) ORDER BY 1`,
      [tenantTables],
    );
    expect(rows.map((r) => r.table)).toEqual(tenantTables);
    for (const r of rows)
      expect({ ...r, policies: r.policies > 0 }).toEqual({
        table: r.table,
        enabled: true,
        forced: true,
        policies: true,
      });
  });

  it("has no view over tenant rows that runs with its owner's rights", async () => {
    // A view is checked as its owner (here a superuser) unless security_invoker is set, which would bypass RLS.
    const { rows } = await owner.query<{ relname: string }>(
      `SELECT c.relname FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped
        WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('v', 'm')
          AND NOT (c.relkind = 'v' AND coalesce(c.reloptions, '{}') && ARRAY['security_invoker=true', 'security_invoker=on'])`,
    );
    expect(rows.map((r) => r.relname)).toEqual([]);
  });

  it('has no SECURITY DEFINER function but the declared ones, each naming tenant ids only (or counting rows per tenant, for quotas), executable by the runtime role alone', async () => {
    // A function running with its owner's rights reads across tenants: each must be declared and return only ids, or
    // ids with a count (quotaCountFunction in @conduit/licensing: the licence's quotas are counted across a subtree).
    const { rows } = await owner.query<{ fn: string; result: string; grantees: string[] }>(
      `SELECT p.oid::regprocedure::text AS fn, pg_get_function_result(p.oid) AS result,
              (SELECT array_agg(CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE pg_get_userbyid(a.grantee)::text END ORDER BY 1)
                 FROM aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) a
                WHERE a.privilege_type = 'EXECUTE' AND a.grantee <> p.proowner) AS grantees
         FROM pg_proc p WHERE p.pronamespace = 'public'::regnamespace AND p.prosecdef ORDER BY 1`,
    );
    expect(rows.map((r) => r.fn)).toEqual(runtimeFunctionsOf(API_MIGRATIONS).sort());
    const runtimeRole = resolveDatabaseUrls(testConfig(db.url)).runtimeRole;
    for (const r of rows)
      expect({ fn: r.fn, result: r.result, grantees: r.grantees }).toEqual({
        fn: r.fn,
        // The due-work functions (the platform's and the domains', all conduit_tenants_with_*) name tenants only.
        result:
          RUNTIME_FUNCTIONS.includes(r.fn) || r.fn.startsWith('conduit_tenants_with_')
            ? 'TABLE(tenant_id uuid)'
            : 'TABLE(tenant_id uuid, n integer)',
        grantees: [runtimeRole],
      });
  });

  it('connects as a runtime role that is no superuser, cannot bypass RLS and owns nothing in public', async () => {
    const {
      rows: [role],
    } = await runtime.query<{ rolname: string; rolsuper: boolean; rolbypassrls: boolean }>(
      'SELECT rolname, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user',
    );
    expect(role).toEqual({
      rolname: resolveDatabaseUrls(testConfig(db.url)).runtimeRole,
      rolsuper: false,
      rolbypassrls: false,
    });
    const { rows: owned } = await owner.query<{ kind: string; name: string }>(
      `SELECT 'relation:' || c.relkind::text AS kind, c.relname AS name FROM pg_class c
        WHERE c.relnamespace = 'public'::regnamespace AND c.relowner = $1::regrole
       UNION ALL
       SELECT 'function', p.proname FROM pg_proc p WHERE p.pronamespace = 'public'::regnamespace AND p.proowner = $1::regrole`,
      [role.rolname],
    );
    expect(owned).toEqual([]);
  });

  it('denies the runtime role the migrations table', async () => {
    const error = await sqlError(runtime.query(`SELECT * FROM ${ident(MIGRATIONS_TABLE)}`));
    expect(error?.code).toBe('42501');
  });

  it('assertSafeRuntimeRole refuses a connection as the owner and accepts the runtime role', async () => {
    const asOwner = new DataSource({ type: 'postgres', url: db.url, extra: { max: 1 } });
    const asRuntimeRole = new DataSource({ type: 'postgres', url: runtimeUrl, extra: { max: 1 } });
    await asOwner.initialize();
    await asRuntimeRole.initialize();
    try {
      await expect(assertSafeRuntimeRole(asOwner)).rejects.toThrow(DatabaseSetupError);
      await expect(assertSafeRuntimeRole(asRuntimeRole)).resolves.toBeUndefined();
    } finally {
      await asOwner.destroy();
      await asRuntimeRole.destroy();
    }
  });

  it("assertSafeRuntimeRole refuses a role that is a member of the owner role (it would inherit the owner's rights)", async () => {
    const member = `conduit_owner_member_${process.pid}`;
    const ownerClient = new Client({ connectionString: db.url });
    await ownerClient.connect();
    try {
      const [{ owner }] = (await ownerClient.query(`SELECT current_user AS owner`)).rows as { owner: string }[];
      await ownerClient.query(`DROP ROLE IF EXISTS ${ident(member)}`);
      await ownerClient.query(`CREATE ROLE ${ident(member)} LOGIN NOSUPERUSER NOBYPASSRLS IN ROLE ${ident(owner)}`);
      const url = new URL(db.url);
      url.username = member;
      url.password = '';
      const asMember = new DataSource({ type: 'postgres', url: url.toString(), extra: { max: 1 } });
      await asMember.initialize();
      try {
        await expect(assertSafeRuntimeRole(asMember)).rejects.toThrow(/member of/);
      } finally {
        await asMember.destroy();
      }
    } finally {
      await ownerClient.query(`DROP ROLE IF EXISTS ${ident(member)}`);
      await ownerClient.end();
    }
  });

  it("shows only tenant A's rows to a SELECT without WHERE under tenant A", async () => {
    const expected: Record<string, { a: number; b: number; total: number }> = {};
    for (const t of tenantTables) {
      const a = await ownerCount(t, A);
      expected[t] = { a, b: 0, total: a };
    }
    const seen = await asRuntime({ 'app.tenant_id': A }, async () => {
      const rows: Record<string, string[]> = {};
      for (const t of tenantTables) {
        rows[t] = (await runtime.query<{ tenant_id: string }>(`SELECT * FROM ${ident(t)}`)).rows.map(
          (r) => r.tenant_id,
        );
      }
      return { rows, counts: await visibleCounts() };
    });
    expect(seen.counts).toEqual(expected);
    for (const t of tenantTables) expect(new Set(seen.rows[t]), t).toEqual(new Set([A]));
  });

  it('refuses, under tenant A, to insert a row for tenant B (and accepts the same row for A)', async () => {
    const outcome: Record<string, { forB: string | undefined; forA: string | undefined }> = {};
    for (const table of tenantTables) {
      outcome[table] = await asRuntime({ 'app.tenant_id': A }, async () => {
        await runtime.query('SAVEPOINT before_b');
        const forB = await sqlError(insertRow(table, B, runtime));
        await runtime.query('ROLLBACK TO SAVEPOINT before_b');
        const forA = await sqlError(insertRow(table, A, runtime));
        expect(forB?.message ?? '', table).toMatch(/new row violates row-level security policy/);
        return { forB: forB?.code, forA: forA?.message };
      });
    }
    expect(outcome).toEqual(Object.fromEntries(tenantTables.map((t) => [t, { forB: '42501', forA: undefined }])));
  });

  it('shows nothing when no tenant is set: on a fresh connection and after a tenant transaction ended', async () => {
    const zero = Object.fromEntries(tenantTables.map((t) => [t, { a: 0, b: 0, total: 0 }]));
    const fresh = new Client({ connectionString: runtimeUrl });
    await fresh.connect();
    try {
      for (const t of tenantTables) {
        const { rows } = await fresh.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${ident(t)}`);
        expect(rows[0].n, t).toBe(0);
      }
    } finally {
      await fresh.end();
    }
    // The setting was transaction-local: on this pooled-style connection it now reads back as '' (not NULL).
    await asRuntime({ 'app.tenant_id': A }, async () => undefined, 'COMMIT');
    expect(await asRuntime({}, () => visibleCounts())).toEqual(zero);
  });

  it("lets UPDATE without WHERE under tenant A rewrite only A's rows", async () => {
    const updatable = tenantTables.filter((t) => !APPEND_ONLY_TABLES.includes(t));
    const before = new Map<string, { a: string[]; b: string[] }>();
    for (const t of updatable) before.set(t, { a: await rowVersions(t, A), b: await rowVersions(t, B) });
    const updated = await asRuntime(
      { 'app.tenant_id': A },
      async () => {
        const counts: Record<string, number | null> = {};
        for (const t of updatable)
          counts[t] = (await runtime.query(`UPDATE ${ident(t)} SET tenant_id = tenant_id`)).rowCount;
        return counts;
      },
      'COMMIT',
    );
    for (const t of updatable) {
      const was = before.get(t)!;
      expect(updated[t], t).toBe(was.a.length);
      expect(await rowVersions(t, B), `${t}: B's rows were rewritten`).toEqual(was.b);
      expect(await rowVersions(t, A), `${t}: A's rows were not rewritten`).not.toEqual(was.a);
    }
  });

  it("refuses UPDATE and DELETE on append-only tables outright, even on tenant A's own rows", async () => {
    expect(APPEND_ONLY_TABLES).toContain('audit_events');
    for (const t of APPEND_ONLY_TABLES) {
      const before = await ownerCount(t, A);
      for (const statement of [
        `UPDATE ${ident(t)} SET tenant_id = tenant_id`,
        `DELETE FROM ${ident(t)}`,
        `DELETE FROM ${ident(t)} WHERE tenant_id = '${A}'`,
      ]) {
        const error = await asRuntime({ 'app.tenant_id': A }, () => sqlError(runtime.query(statement)));
        expect(error, `${t}: ${statement}`).toMatchObject({
          code: '42501',
          message: expect.stringMatching(/permission denied/),
        });
      }
      expect(await ownerCount(t, A)).toBe(before);
    }
  });

  it("lets DELETE without WHERE under tenant A remove only A's rows", async () => {
    const deletable = seededTables.filter((t) => !APPEND_ONLY_TABLES.includes(t)).reverse();
    const expected: Record<string, { deleted: number; aLeft: number; bLeft: number }> = {};
    for (const t of deletable)
      expected[t] = { deleted: await ownerCount(t, A), aLeft: 0, bLeft: await ownerCount(t, B) };
    const deleted = await asRuntime(
      { 'app.tenant_id': A },
      async () => {
        const counts: Record<string, number | null> = {};
        for (const t of deletable) counts[t] = (await runtime.query(`DELETE FROM ${ident(t)}`)).rowCount;
        return counts;
      },
      'COMMIT',
    );
    const actual: typeof expected = {};
    for (const t of deletable)
      actual[t] = { deleted: deleted[t] ?? -1, aLeft: await ownerCount(t, A), bLeft: await ownerCount(t, B) };
    expect(actual).toEqual(expected);
    // Later tests expect A to have rows everywhere again.
    for (const t of seededTables.filter((s) => deletable.includes(s))) {
      for (let i = 0; i < rowsPerTenant(t); i++) await insertRow(t, A, owner);
    }
  });

  describe.each(LOOKUPS)('lookup setting $setting', ({ setting, table, column }) => {
    it.each([
      ['no tenant', null],
      ['tenant A', A],
    ])(`reveals only B's ${table} rows it names, and nothing else of B, with %s set`, async (_label, tenantId) => {
      const {
        rows: [pick],
      } = await owner.query<{ value: string }>(
        `SELECT ${ident(column)}::text AS value FROM ${ident(table)} WHERE tenant_id = $1 LIMIT 1`,
        [B],
      );
      const named = (
        await owner.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM ${ident(table)} WHERE ${ident(column)}::text = $1`,
          [pick.value],
        )
      ).rows[0].n;
      expect(named).toBe(1);
      const settings: Record<string, string> = { [setting]: pick.value };
      if (tenantId) settings['app.tenant_id'] = tenantId;
      const { counts, unnamed } = await asRuntime(settings, async () => ({
        counts: await visibleCounts(),
        unnamed: (
          await runtime.query<{ n: number }>(
            `SELECT count(*)::int AS n FROM ${ident(table)} WHERE tenant_id = $1 AND ${ident(column)}::text <> $2`,
            [B, pick.value],
          )
        ).rows[0].n,
      }));
      expect(unnamed).toBe(0);
      const bVisible = Object.fromEntries(tenantTables.map((t) => [t, counts[t].b]));
      expect(bVisible).toEqual(Object.fromEntries(tenantTables.map((t) => [t, t === table ? 1 : 0])));
      for (const t of tenantTables) expect(counts[t].a, t).toBe(tenantId ? await ownerCount(t, A) : 0);
    });

    it.each([
      ['no tenant', null],
      ['tenant A', A],
    ])(`never lets B's ${table} row it names be updated or deleted, with %s set`, async (_label, tenantId) => {
      const {
        rows: [pick],
      } = await owner.query<{ value: string }>(
        `SELECT ${ident(column)}::text AS value FROM ${ident(table)} WHERE tenant_id = $1 LIMIT 1`,
        [B],
      );
      const settings: Record<string, string> = { [setting]: pick.value };
      if (tenantId) settings['app.tenant_id'] = tenantId;
      const before = await ownerCount(table, B);
      const deleted = await asRuntime(
        settings,
        async () => (await runtime.query(`DELETE FROM ${ident(table)} WHERE tenant_id = $1`, [B])).rowCount,
      );
      const updated = await asRuntime(
        settings,
        async () =>
          (await runtime.query(`UPDATE ${ident(table)} SET tenant_id = tenant_id WHERE tenant_id = $1`, [B])).rowCount,
      );
      expect({ deleted, updated }).toEqual({ deleted: 0, updated: 0 });
      expect(await ownerCount(table, B)).toBe(before);
    });
  });

  // The shared catalogue (integrations_lookup, tasks_lookup): app.catalogue_owners names the tenants above the acting
  // one; it opens their live integrations marked shared and those integrations' live tasks, for reading only, and
  // nothing else of theirs (not the tasks of their other integrations, not a deleted task).
  describe('lookup setting app.catalogue_owners', () => {
    const sharedId = randomUUID();
    const deletedSharedId = randomUUID();
    const sharedTaskId = randomUUID();
    beforeAll(async () => {
      await owner.query(
        `INSERT INTO integrations (id, tenant_id, integration_id, title, shared) VALUES ($1, $2, 2000000001, $3, true)`,
        [sharedId, B, `shared ${sharedId}`],
      );
      await owner.query(
        `INSERT INTO integrations (id, tenant_id, integration_id, title, shared, status, deleted_at)
         VALUES ($1, $2, 2000000002, $3, true, 'deleted', now())`,
        [deletedSharedId, B, `deleted ${deletedSharedId}`],
      );
      const task = `INSERT INTO tasks (id, tenant_id, integration_uuid, integration_id, task_id, name, task_tag, request, status, deleted_at)
                    VALUES ($1, $2, $3, 2000000001, $4, 'shared task', $5, '{}', $6, $7)`;
      await owner.query(task, [sharedTaskId, B, sharedId, 2000000001, 'live', 'active', null]);
      await owner.query(task, [randomUUID(), B, sharedId, 2000000002, 'gone', 'deleted', new Date()]);
      await owner.query(task, [randomUUID(), B, deletedSharedId, 2000000003, 'orphan', 'active', null]);
    });
    afterAll(async () => {
      await owner.query(`DELETE FROM tasks WHERE integration_uuid IN ($1, $2)`, [sharedId, deletedSharedId]);
      await owner.query(`DELETE FROM integrations WHERE id IN ($1, $2)`, [sharedId, deletedSharedId]);
    });

    it.each([
      ['no tenant', null],
      ['tenant A', A],
    ])("reveals only B's live shared integrations, and nothing else of B, with %s set", async (_label, tenantId) => {
      const settings: Record<string, string> = { 'app.catalogue_owners': `${randomUUID()},${B}` };
      if (tenantId) settings['app.tenant_id'] = tenantId;
      const { counts, ids, taskIds } = await asRuntime(settings, async () => ({
        counts: await visibleCounts(),
        ids: (await runtime.query<{ id: string }>(`SELECT id FROM integrations WHERE tenant_id = $1`, [B])).rows,
        taskIds: (await runtime.query<{ id: string }>(`SELECT id FROM tasks WHERE tenant_id = $1`, [B])).rows,
      }));
      expect(ids.map((r) => r.id)).toEqual([sharedId]);
      expect(taskIds.map((r) => r.id)).toEqual([sharedTaskId]);
      const bVisible = Object.fromEntries(tenantTables.map((t) => [t, counts[t].b]));
      const opened = new Set(['integrations', 'tasks']);
      expect(bVisible).toEqual(Object.fromEntries(tenantTables.map((t) => [t, opened.has(t) ? 1 : 0])));
      for (const t of tenantTables) expect(counts[t].a, t).toBe(tenantId ? await ownerCount(t, A) : 0);
    });

    it("never lets B's shared integration or its tasks be updated or deleted through it", async () => {
      const settings = { 'app.catalogue_owners': B, 'app.tenant_id': A };
      const before = { integrations: await rowVersions('integrations', B), tasks: await rowVersions('tasks', B) };
      const changed = await asRuntime(settings, async () => ({
        updated: (await runtime.query(`UPDATE integrations SET title = title WHERE tenant_id = $1`, [B])).rowCount,
        deleted: (await runtime.query(`DELETE FROM integrations WHERE tenant_id = $1`, [B])).rowCount,
        tasksUpdated: (await runtime.query(`UPDATE tasks SET name = name WHERE tenant_id = $1`, [B])).rowCount,
        tasksDeleted: (await runtime.query(`DELETE FROM tasks WHERE tenant_id = $1`, [B])).rowCount,
      }));
      expect(changed).toEqual({ updated: 0, deleted: 0, tasksUpdated: 0, tasksDeleted: 0 });
      expect({ integrations: await rowVersions('integrations', B), tasks: await rowVersions('tasks', B) }).toEqual(
        before,
      );
    });
  });
});
