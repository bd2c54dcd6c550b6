import { MigrationInterface, QueryRunner } from 'typeorm';
import { credentialsUsed } from '../chain-definition';
import { allowedHostFor } from '../credential-hosts';

type Query = (sql: string, params?: unknown[]) => Promise<unknown>;

interface StepTarget {
  request_params: Record<string, unknown> | null;
  headers: Record<string, string> | null;
  target_url: string;
}

/**
 * Gives each credential the hosts of the subscriptions its steps send it to today: the current steps of chains not
 * deleted, and the steps (of their own steps version) of runs that may still send (pending, running, paused, failed
 * and retryable, or compensating). A credential no such step uses gets none. References are found by the template
 * parser itself (credentialsUsed, as stepPlan finds them), so every form ({{credentials.x}}, {{ credentials["x"] }},
 * inside longer strings) counts. A target host no entry can name (not http(s), a label allowed_hosts refuses) is left
 * out: that step then fails with credential_host_not_allowed until an admin decides.
 *
 * Row-level security applies to the owner too (FORCE), so the rows are read and written tenant by tenant with the
 * tenant set, as the application does; in the migration's transaction (set_config(..., true) is local to it).
 */
export async function backfillCredentialHosts(query: Query): Promise<void> {
  const tenants = (await query(`SELECT id FROM tenants ORDER BY id`)) as { id: string }[];
  for (const { id: tenantId } of tenants) {
    await query(`SELECT set_config('app.tenant_id', $1, true)`, [tenantId]);
    const steps = (await query(
      `SELECT st.request_params, st.headers, s.target_url
         FROM execution_chain_steps st
         JOIN execution_chains c ON c.tenant_id = st.tenant_id AND c.id = st.chain_id
         JOIN webhook_subscriptions s ON s.tenant_id = st.tenant_id AND s.id = st.webhook_id
        WHERE st.tenant_id = $1::uuid
          AND s.deleted_at IS NULL
          AND (st.request_params::text LIKE '%credentials%' OR st.headers::text LIKE '%credentials%')
          AND ((c.deleted_at IS NULL AND st.steps_version = c.steps_version)
            OR EXISTS (SELECT 1 FROM execution_chain_runs r
                        WHERE r.tenant_id = st.tenant_id AND r.chain_id = st.chain_id
                          AND r.steps_version = st.steps_version
                          AND (r.status IN ('pending', 'running', 'paused', 'failed')
                            OR r.compensation_status = 'running')))`,
      [tenantId],
    )) as StepTarget[];
    const hosts = new Map<string, Set<string>>();
    for (const step of steps) {
      const host = allowedHostFor(step.target_url);
      if (host === null) continue;
      let names: Set<string>;
      try {
        names = credentialsUsed(step);
      } catch {
        continue; // a template that does not parse fills nothing in (its step fails when it runs)
      }
      for (const name of names) hosts.set(name, (hosts.get(name) ?? new Set()).add(host));
    }
    for (const [name, set] of hosts) {
      await query(`UPDATE credentials SET allowed_hosts = $3::text[] WHERE tenant_id = $1::uuid AND name = $2`, [
        tenantId,
        name,
        [...set].sort(),
      ]);
    }
  }
  await query(`SELECT set_config('app.tenant_id', '', true)`);
}

/** Credentials are bound to hosts (credential-hosts.ts); existing ones keep working where their steps send them. */
export class CredentialAllowedHosts1764410000000 implements MigrationInterface {
  name = 'CredentialAllowedHosts1764410000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE credentials ADD COLUMN allowed_hosts text[] NOT NULL DEFAULT '{}'
        CHECK (cardinality(allowed_hosts) <= 100);
    `);
    await backfillCredentialHosts((sql, params) => q.query(sql, params) as Promise<unknown>);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE credentials DROP COLUMN allowed_hosts`);
  }
}
