import { MigrationInterface, QueryRunner } from 'typeorm';
import { enableRls } from '@conduit/database';

/**
 * HTTP monitors (issue 18, seed 001 "Monitor Check Flow"): what to check and how often (monitors), and each check's
 * outcome (monitor_checks).
 *
 * Scheduling lives in the rows: a worker claims a due monitor by moving its next_check_at one interval on, under
 * FOR UPDATE SKIP LOCKED, and the slot it moved from (scheduled_for) is stored with the check. The unique index on
 * (tenant_id, monitor_id, scheduled_for) makes one check per slot a property of the table, whatever the number of
 * workers or retries of the write.
 *
 * conduit_tenants_with_due_monitors() names the tenants with a due monitor (ids only, like the reconcilers' functions
 * of DueWorkTenants1763950000000), so the scheduler opens a tenant transaction only where there is work. The owner
 * gets a SELECT-only policy on monitors for it (FORCE ROW LEVEL SECURITY binds a non-superuser owner too).
 */
export class Monitors1764400000000 implements MigrationInterface {
  name = 'Monitors1764400000000';
  static readonly runtimeFunctions = ['conduit_tenants_with_due_monitors()'];

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE monitors (
        id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        name text NOT NULL,
        url text NOT NULL CHECK (url ~* '^https?://'),
        method text NOT NULL CHECK (method IN ('GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE')),
        interval_seconds integer NOT NULL CHECK (interval_seconds BETWEEN 1 AND 86400),
        timeout_ms integer NOT NULL CHECK (timeout_ms BETWEEN 100 AND 60000),
        expected_status text NOT NULL,
        body_contains text,
        failure_threshold integer NOT NULL CHECK (failure_threshold BETWEEN 1 AND 100),
        enabled boolean NOT NULL,
        status text NOT NULL DEFAULT 'unknown' CHECK (status IN ('unknown', 'up', 'down')),
        consecutive_failures integer NOT NULL DEFAULT 0 CHECK (consecutive_failures >= 0),
        last_checked_at timestamptz,
        last_latency_ms integer,
        -- The slot of the newest check applied to status: an older check finishing late does not move it back.
        last_slot timestamptz,
        next_check_at timestamptz NOT NULL,
        created_by uuid REFERENCES users(id) ON DELETE SET NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX monitors_tenant_created_idx ON monitors (tenant_id, created_at DESC, id DESC);
      CREATE INDEX monitors_due_idx ON monitors (tenant_id, next_check_at) WHERE enabled;
      ${enableRls('monitors')}

      CREATE TABLE monitor_checks (
        id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        monitor_id uuid NOT NULL REFERENCES monitors(id) ON DELETE CASCADE,
        scheduled_for timestamptz NOT NULL,
        checked_at timestamptz NOT NULL,
        status text NOT NULL CHECK (status IN ('ok', 'failed')),
        status_code integer,
        latency_ms integer NOT NULL CHECK (latency_ms >= 0),
        error text
      );
      CREATE UNIQUE INDEX monitor_checks_slot_key ON monitor_checks (tenant_id, monitor_id, scheduled_for);
      CREATE INDEX monitor_checks_monitor_idx ON monitor_checks (tenant_id, monitor_id, checked_at DESC, id DESC);
      CREATE INDEX monitor_checks_retention_idx ON monitor_checks (tenant_id, checked_at);
      ${enableRls('monitor_checks')}

      CREATE POLICY monitors_owner_due_scan ON monitors FOR SELECT TO CURRENT_USER USING (true);
      -- Served by the partial index monitors_due_idx.
      CREATE FUNCTION conduit_tenants_with_due_monitors() RETURNS TABLE (tenant_id uuid)
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
      AS $fn$
        SELECT DISTINCT m.tenant_id
          FROM public.monitors m
          JOIN public.tenants t ON t.id = m.tenant_id AND t.deleted_at IS NULL
         WHERE m.enabled AND m.next_check_at <= now()
         ORDER BY m.tenant_id
      $fn$;
      REVOKE ALL ON FUNCTION conduit_tenants_with_due_monitors() FROM PUBLIC;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP FUNCTION conduit_tenants_with_due_monitors();
      DROP TABLE monitor_checks;
      DROP TABLE monitors;
    `);
  }
}
