import { MigrationInterface, QueryRunner } from 'typeorm';
import { enableRls } from '@conduit/database';

/**
 * Polling ingestion (issue 19 points 1-5): one row per instance switched on for case ingestion, with its settings
 * (`config`: the task, the window, the pagination and the case mapping), its `cursor` (where the next window starts,
 * before the lookback), the resume point of a run that stopped mid-window (`resume`), the schedule (`next_run_at`)
 * and the lease a worker takes to run it (`locked_until`, `lock_token`): a run is claimed by one
 * UPDATE ... WHERE locked_until < now() RETURNING, so one instance's ingestion never runs twice at once.
 *
 * conduit_tenants_with_due_case_ingestion() names the tenants with enabled ingestion due and not leased, like
 * DueWorkTenants1763950000000's functions.
 */
export class InstanceIngestion1764510000000 implements MigrationInterface {
  name = 'InstanceIngestion1764510000000';
  static readonly runtimeFunctions = ['conduit_tenants_with_due_case_ingestion()'];

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE instance_ingestion (
        instance_uuid uuid PRIMARY KEY REFERENCES integration_instances(id) ON DELETE CASCADE,
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        integration_uuid uuid NOT NULL REFERENCES integrations(id),
        task_tag text NOT NULL,
        enabled boolean NOT NULL DEFAULT true,
        config jsonb NOT NULL,
        cursor timestamptz,
        resume jsonb,
        next_run_at timestamptz NOT NULL DEFAULT now(),
        locked_until timestamptz NOT NULL DEFAULT '-infinity',
        lock_token uuid,
        last_run jsonb,
        last_run_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX instance_ingestion_due_idx ON instance_ingestion (tenant_id, next_run_at) WHERE enabled;
      CREATE INDEX instance_ingestion_integration_idx ON instance_ingestion (tenant_id, integration_uuid);
      ${enableRls('instance_ingestion')}

      CREATE FUNCTION conduit_tenants_with_due_case_ingestion() RETURNS TABLE (tenant_id uuid)
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
      AS $fn$
        SELECT DISTINCT g.tenant_id
          FROM public.instance_ingestion g
          JOIN public.tenants t ON t.id = g.tenant_id AND t.deleted_at IS NULL
         WHERE g.enabled AND g.next_run_at <= now() AND g.locked_until < now()
         ORDER BY g.tenant_id
      $fn$;
      REVOKE ALL ON FUNCTION conduit_tenants_with_due_case_ingestion() FROM PUBLIC;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP FUNCTION conduit_tenants_with_due_case_ingestion(); DROP TABLE instance_ingestion;`);
  }
}
