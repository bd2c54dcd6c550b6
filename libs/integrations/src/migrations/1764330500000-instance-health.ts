import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Instance health (issue 18): what the last health check found (last_health_check, last_health_result), the
 * consecutive failures so far, the verdict (health_status: unknown, healthy, unhealthy; unhealthy once failures reach
 * the check's failure_threshold, which is when instance.unhealthy is published, once) and when the next scheduled check
 * is due. A worker claims a due check by moving next_health_check_at forward in one statement, so each interval is
 * checked once whatever the number of workers. conduit_tenants_with_due_health_checks() names the tenants with due
 * checks, like DueWorkTenants1763950000000's functions.
 */
export class InstanceHealth1764330500000 implements MigrationInterface {
  name = 'InstanceHealth1764330500000';
  static readonly runtimeFunctions = ['conduit_tenants_with_due_health_checks()'];

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE integration_instances
        ADD COLUMN health_status text NOT NULL DEFAULT 'unknown' CHECK (health_status IN ('unknown', 'healthy', 'unhealthy')),
        ADD COLUMN health_failures integer NOT NULL DEFAULT 0,
        ADD COLUMN last_health_check timestamptz,
        ADD COLUMN last_health_result jsonb,
        ADD COLUMN next_health_check_at timestamptz;
      UPDATE integration_instances SET next_health_check_at = now()
       WHERE health_check IS NOT NULL AND deleted_at IS NULL;
      CREATE INDEX integration_instances_health_due_idx ON integration_instances (tenant_id, next_health_check_at)
        WHERE next_health_check_at IS NOT NULL AND deleted_at IS NULL;
      CREATE POLICY integration_instances_owner_due_scan ON integration_instances FOR SELECT TO CURRENT_USER USING (true);

      CREATE FUNCTION conduit_tenants_with_due_health_checks() RETURNS TABLE (tenant_id uuid)
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
      AS $fn$
        SELECT DISTINCT i.tenant_id
          FROM public.integration_instances i
          JOIN public.tenants t ON t.id = i.tenant_id AND t.deleted_at IS NULL
         WHERE i.next_health_check_at IS NOT NULL AND i.deleted_at IS NULL AND i.next_health_check_at <= now()
           AND i.status IN ('active', 'error')
         ORDER BY i.tenant_id
      $fn$;
      REVOKE ALL ON FUNCTION conduit_tenants_with_due_health_checks() FROM PUBLIC;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP FUNCTION conduit_tenants_with_due_health_checks();
      DROP POLICY integration_instances_owner_due_scan ON integration_instances;
      DROP INDEX integration_instances_health_due_idx;
      ALTER TABLE integration_instances DROP COLUMN health_status, DROP COLUMN health_failures,
        DROP COLUMN last_health_check, DROP COLUMN last_health_result, DROP COLUMN next_health_check_at;
    `);
  }
}
