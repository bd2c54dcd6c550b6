import { MigrationInterface, QueryRunner } from 'typeorm';
import { enableRls } from '@conduit/database';

// Execution chains: definitions (steps are immutable per steps_version, so a run keeps the definition it started
// with), runs, one row per step of a run, and the tenant's named credentials that step templates inject.
export class Chains1763930000000 implements MigrationInterface {
  name = 'Chains1763930000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE execution_chains (
        id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        name text NOT NULL,
        description text,
        trigger_event text NOT NULL,
        is_active boolean NOT NULL DEFAULT true,
        version integer NOT NULL DEFAULT 1 CHECK (version > 0),
        steps_version integer NOT NULL DEFAULT 1 CHECK (steps_version > 0),
        created_by text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        deleted_at timestamptz
      );
      CREATE INDEX execution_chains_tenant_created_idx ON execution_chains (tenant_id, created_at DESC, id DESC);
      CREATE INDEX execution_chains_tenant_trigger_idx ON execution_chains (tenant_id, trigger_event)
        WHERE is_active AND deleted_at IS NULL;
      ${enableRls('execution_chains')}

      CREATE TABLE execution_chain_steps (
        id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        chain_id uuid NOT NULL REFERENCES execution_chains(id) ON DELETE CASCADE,
        steps_version integer NOT NULL,
        kind text NOT NULL DEFAULT 'step' CHECK (kind IN ('step', 'compensation')),
        step_order integer NOT NULL CHECK (step_order > 0),
        webhook_id uuid NOT NULL REFERENCES webhook_subscriptions(id),
        name text NOT NULL,
        description text,
        request_params jsonb,
        headers jsonb,
        condition text,
        compensates text,
        on_success_action text NOT NULL DEFAULT 'continue' CHECK (on_success_action IN ('continue', 'stop', 'pause')),
        on_failure_action text NOT NULL DEFAULT 'stop' CHECK (on_failure_action IN ('continue', 'stop', 'retry')),
        max_retries integer NOT NULL DEFAULT 3 CHECK (max_retries >= 0),
        retry_backoff_seconds integer NOT NULL DEFAULT 1 CHECK (retry_backoff_seconds >= 0),
        delay_seconds integer NOT NULL DEFAULT 0 CHECK (delay_seconds >= 0),
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE UNIQUE INDEX execution_chain_steps_order_key ON execution_chain_steps (tenant_id, chain_id, steps_version, kind, step_order);
      CREATE INDEX execution_chain_steps_webhook_idx ON execution_chain_steps (tenant_id, webhook_id);
      ${enableRls('execution_chain_steps')}

      CREATE TABLE execution_chain_runs (
        id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        chain_id uuid NOT NULL REFERENCES execution_chains(id),
        steps_version integer NOT NULL,
        status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'running', 'completed', 'failed', 'paused', 'cancelled')),
        trigger_type text NOT NULL CHECK (trigger_type IN ('event', 'manual')),
        trigger_event text NOT NULL,
        -- No foreign key: events are swept by retention while their runs stay.
        trigger_event_id uuid,
        trigger_data jsonb NOT NULL,
        current_step integer NOT NULL DEFAULT 0,
        total_steps integer NOT NULL,
        failed_step integer,
        compensation_status text CHECK (compensation_status IN ('running', 'completed', 'failed')),
        compensation_plan integer[] NOT NULL DEFAULT '{}',
        last_error text,
        created_by text,
        started_at timestamptz,
        completed_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      );
      -- Exactly one run per (event, chain), however often the event's hooks run.
      CREATE UNIQUE INDEX execution_chain_runs_event_key ON execution_chain_runs (tenant_id, chain_id, trigger_event_id)
        WHERE trigger_event_id IS NOT NULL;
      CREATE INDEX execution_chain_runs_tenant_created_idx ON execution_chain_runs (tenant_id, created_at DESC, id DESC);
      CREATE INDEX execution_chain_runs_chain_created_idx ON execution_chain_runs (tenant_id, chain_id, created_at DESC, id DESC);
      CREATE INDEX execution_chain_runs_tenant_status_idx ON execution_chain_runs (tenant_id, status);
      ${enableRls('execution_chain_runs')}

      CREATE TABLE execution_chain_step_runs (
        id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        run_id uuid NOT NULL REFERENCES execution_chain_runs(id) ON DELETE CASCADE,
        step_id uuid NOT NULL REFERENCES execution_chain_steps(id),
        kind text NOT NULL DEFAULT 'step' CHECK (kind IN ('step', 'compensation')),
        step_order integer NOT NULL,
        name text NOT NULL,
        status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'running', 'sent', 'failed', 'skipped', 'cancelled')),
        request_payload jsonb,
        request_headers jsonb,
        response_code integer,
        response_body text,
        response jsonb,
        attempt_count integer NOT NULL DEFAULT 0,
        -- attempt_count when the current round of retries began (a manual retry starts a new round).
        attempt_base integer NOT NULL DEFAULT 0,
        duration_ms integer,
        last_error text,
        next_attempt_at timestamptz,
        lease_expires_at timestamptz,
        started_at timestamptz,
        completed_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE UNIQUE INDEX execution_chain_step_runs_order_key ON execution_chain_step_runs (tenant_id, run_id, kind, step_order);
      CREATE INDEX execution_chain_step_runs_due_idx ON execution_chain_step_runs (tenant_id, next_attempt_at)
        WHERE status IN ('pending', 'running');
      ${enableRls('execution_chain_step_runs')}

      CREATE TABLE credentials (
        id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        name text NOT NULL,
        description text,
        value_sealed text NOT NULL,
        created_by text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE UNIQUE INDEX credentials_tenant_name_key ON credentials (tenant_id, name);
      CREATE INDEX credentials_tenant_created_idx ON credentials (tenant_id, created_at DESC, id DESC);
      ${enableRls('credentials')}
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TABLE credentials;
      DROP TABLE execution_chain_step_runs;
      DROP TABLE execution_chain_runs;
      DROP TABLE execution_chain_steps;
      DROP TABLE execution_chains;
    `);
  }
}
