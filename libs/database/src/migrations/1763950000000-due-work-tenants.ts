import { MigrationInterface, QueryRunner } from 'typeorm';

/** The SECURITY DEFINER functions naming tenants with due work; the runtime role alone may execute them. */
export const DUE_WORK_FUNCTIONS = [
  'conduit_tenants_with_due_deliveries(integer)',
  'conduit_tenants_with_due_chain_steps()',
  'conduit_tenants_with_unrouted_inbound_events(integer)',
];

/** Tenant tables those functions read (the owner may SELECT across tenants there, nobody else). */
const DUE_WORK_TABLES = ['webhook_deliveries', 'execution_chain_step_runs', 'execution_chain_runs', 'inbound_events'];

/**
 * Lets the reconcilers learn which tenants have due work in one statement instead of one tenant transaction per
 * live tenant per run. Each function is SECURITY DEFINER (runs as this migration's owner, across tenants) and
 * returns DISTINCT tenant ids only, never a row or a column of one: the reconciler then reads the rows inside
 * runInTenant, under RLS as before. Nothing but the runtime role may execute them (granted by the migrator, which
 * knows its name; see DUE_WORK_FUNCTIONS). Each query is served by the table's partial "due" index.
 *
 * FORCE ROW LEVEL SECURITY applies to the owner too, so an owner that is neither a superuser nor BYPASSRLS (a
 * supported set-up) would see no row inside these functions and the reconcilers would silently stop recovering
 * work. The owner therefore gets a SELECT-only policy on the tables they read; the runtime role gets nothing new.
 * A role-scoped policy is the narrowest PostgreSQL offers here: gating it on a setting the functions set is refused
 * to non-superuser owners (SET of a placeholder parameter needs GRANT SET ON PARAMETER).
 */
export class DueWorkTenants1763950000000 implements MigrationInterface {
  name = 'DueWorkTenants1763950000000';

  async up(q: QueryRunner): Promise<void> {
    const ownerReads = DUE_WORK_TABLES.map(
      (table) => `CREATE POLICY ${table}_owner_due_scan ON ${table} FOR SELECT TO CURRENT_USER USING (true);`,
    ).join('\n      ');
    await q.query(`
      ${ownerReads}

      -- The delivery reconciler's condition. next_attempt_at is set on every pending and delivering row (see
      -- DeliveriesHot1763940000000), which lets the partial index (tenant_id, next_attempt_at) serve it.
      CREATE FUNCTION conduit_tenants_with_due_deliveries(grace_seconds integer) RETURNS TABLE (tenant_id uuid)
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
      AS $fn$
        SELECT DISTINCT d.tenant_id
          FROM public.webhook_deliveries d
          JOIN public.tenants t ON t.id = d.tenant_id AND t.deleted_at IS NULL
         WHERE d.next_attempt_at IS NOT NULL
           AND ((d.status = 'pending' AND d.next_attempt_at <= now() - make_interval(secs => grace_seconds))
             OR (d.status = 'delivering' AND d.lease_expires_at < now()))
         ORDER BY d.tenant_id
      $fn$;

      -- The chain reconciler's condition, served by the partial index (tenant_id, next_attempt_at) on pending and
      -- running step runs.
      CREATE FUNCTION conduit_tenants_with_due_chain_steps() RETURNS TABLE (tenant_id uuid)
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
      AS $fn$
        SELECT DISTINCT sr.tenant_id
          FROM public.execution_chain_step_runs sr
          JOIN public.execution_chain_runs r ON r.id = sr.run_id AND r.tenant_id = sr.tenant_id
          JOIN public.tenants t ON t.id = sr.tenant_id AND t.deleted_at IS NULL
         WHERE sr.status IN ('pending', 'running')
           AND ((sr.status = 'pending' AND coalesce(sr.next_attempt_at, sr.created_at) <= now())
             OR (sr.status = 'running' AND sr.lease_expires_at < now()))
           AND ((sr.kind = 'step' AND r.status IN ('pending', 'running')) OR (sr.kind = 'compensation' AND r.compensation_status = 'running'))
         ORDER BY sr.tenant_id
      $fn$;

      -- The ingestion reconciler's condition, served by the partial index (tenant_id, received_at) on accepted rows.
      CREATE FUNCTION conduit_tenants_with_unrouted_inbound_events(grace_seconds integer) RETURNS TABLE (tenant_id uuid)
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
      AS $fn$
        SELECT DISTINCT e.tenant_id
          FROM public.inbound_events e
          JOIN public.tenants t ON t.id = e.tenant_id AND t.deleted_at IS NULL
         WHERE e.status = 'accepted' AND e.received_at < now() - make_interval(secs => grace_seconds)
         ORDER BY e.tenant_id
      $fn$;

      ${DUE_WORK_FUNCTIONS.map((fn) => `REVOKE ALL ON FUNCTION ${fn} FROM PUBLIC;`).join('\n      ')}
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      ${DUE_WORK_FUNCTIONS.map((fn) => `DROP FUNCTION ${fn};`).join('\n      ')}
      ${DUE_WORK_TABLES.map((table) => `DROP POLICY ${table}_owner_due_scan ON ${table};`).join('\n      ')}
    `);
  }
}
