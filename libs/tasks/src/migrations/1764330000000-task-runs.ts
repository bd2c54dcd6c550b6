import { MigrationInterface, QueryRunner } from 'typeorm';
import { enableRls } from '@conduit/database';

/**
 * Task runs (issue 18, seed 002 EXECUTION_HISTORY): one row per run of a task on an instance, whoever asked for it
 * (the API, a chain step, a health check, case ingestion). The row is the truth the tasks queue works from: a job only
 * says "look at this run now"; a worker claims it (status running, a lease it renews while the call goes on), and
 * records the result only while the lease is still its own. Secret inputs are sealed apart (input_sealed); `input`
 * holds the rest. Attempts, outputs and errors are stored with credentials masked.
 *
 * conduit_tenants_with_due_task_runs() names the tenants with runs the reconciler must queue again (queued for longer
 * than the grace, or running with an expired lease), like DueWorkTenants1763950000000's functions.
 */
export class TaskRuns1764330000000 implements MigrationInterface {
  name = 'TaskRuns1764330000000';
  static readonly runtimeFunctions = ['conduit_tenants_with_due_task_runs(integer)'];

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE task_runs (
        id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        instance_uuid uuid NOT NULL REFERENCES integration_instances(id),
        instance_id integer NOT NULL,
        integration_uuid uuid NOT NULL REFERENCES integrations(id),
        task_uuid uuid NOT NULL REFERENCES tasks(id),
        task_id integer NOT NULL,
        task_tag text NOT NULL,
        source text NOT NULL CHECK (source IN ('api', 'chain', 'health_check', 'ingestion')),
        chain_run_id uuid,
        chain_step_run_id uuid,
        input jsonb NOT NULL DEFAULT '{}',
        input_sealed text,
        status text NOT NULL CHECK (status IN ('queued', 'running', 'success', 'failure', 'timeout', 'cancelled')),
        attempt_count integer NOT NULL DEFAULT 0,
        lease_expires_at timestamptz,
        created_by uuid REFERENCES users(id) ON DELETE SET NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        started_at timestamptz,
        finished_at timestamptz,
        duration_ms integer,
        response_status integer,
        attempts jsonb NOT NULL DEFAULT '[]',
        dependencies jsonb NOT NULL DEFAULT '[]',
        outputs jsonb,
        error jsonb,
        records_processed integer NOT NULL DEFAULT 0,
        performance jsonb,
        updated_at timestamptz NOT NULL DEFAULT now(),
        CHECK ((status IN ('queued', 'running')) = (finished_at IS NULL))
      );
      CREATE INDEX task_runs_tenant_created_idx ON task_runs (tenant_id, created_at DESC, id DESC);
      CREATE INDEX task_runs_instance_created_idx ON task_runs (tenant_id, instance_uuid, created_at DESC, id DESC);
      CREATE INDEX task_runs_due_idx ON task_runs (tenant_id, id) WHERE status IN ('queued', 'running');
      ${enableRls('task_runs')}
      CREATE POLICY task_runs_owner_due_scan ON task_runs FOR SELECT TO CURRENT_USER USING (true);

      CREATE FUNCTION conduit_tenants_with_due_task_runs(grace_seconds integer) RETURNS TABLE (tenant_id uuid)
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
      AS $fn$
        SELECT DISTINCT r.tenant_id
          FROM public.task_runs r
          JOIN public.tenants t ON t.id = r.tenant_id AND t.deleted_at IS NULL
         WHERE r.status IN ('queued', 'running')
           AND ((r.status = 'queued' AND r.created_at <= now() - make_interval(secs => grace_seconds))
             OR (r.status = 'running' AND r.lease_expires_at < now()))
         ORDER BY r.tenant_id
      $fn$;
      REVOKE ALL ON FUNCTION conduit_tenants_with_due_task_runs(integer) FROM PUBLIC;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP FUNCTION conduit_tenants_with_due_task_runs(integer); DROP TABLE task_runs;`);
  }
}
