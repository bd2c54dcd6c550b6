import { MigrationInterface, QueryRunner } from 'typeorm';
import { enableRls } from '@conduit/database';

/**
 * Cases and their events (issue 19, seed 002's case ingestion and case panel).
 *
 * case_events keeps every item as received (raw), unique per (tenant, source, external_id): the source is the
 * instance (polling) or the inbound source (push), folded into source_ref so one unique index covers both, and a
 * repeated item is dropped by ON CONFLICT DO NOTHING, never updated. case_events_case_idx serves a case's events newest
 * first (the case panel and GET /api/v1/cases/{id}/events).
 *
 * cases_open_key_idx finds the open case of a key (correlation); case numbers (case_id) come from case_counters, one
 * row per tenant, taken several at a time by one upsert (a page of items may open hundreds of cases).
 */
export class Cases1764500000000 implements MigrationInterface {
  name = 'Cases1764500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE cases (
        id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        case_id integer NOT NULL,
        title text NOT NULL,
        severity text NOT NULL CHECK (severity IN ('info', 'low', 'medium', 'high', 'critical')),
        status text NOT NULL CHECK (status IN ('open', 'in_progress', 'resolved', 'closed')),
        source text NOT NULL CHECK (source IN ('instance', 'push', 'manual')),
        instance_uuid uuid,
        inbound_source_id uuid,
        case_key text,
        assignee text,
        tags text[] NOT NULL DEFAULT '{}',
        version integer NOT NULL DEFAULT 1,
        event_count integer NOT NULL DEFAULT 0,
        first_event_at timestamptz,
        last_event_at timestamptz,
        escalated_at timestamptz,
        closed_at timestamptz,
        created_by uuid REFERENCES users(id) ON DELETE SET NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE UNIQUE INDEX cases_number_key ON cases (tenant_id, case_id);
      CREATE INDEX cases_tenant_created_idx ON cases (tenant_id, created_at DESC, id DESC);
      CREATE INDEX cases_open_key_idx ON cases (tenant_id, case_key, last_event_at DESC)
        WHERE case_key IS NOT NULL AND status IN ('open', 'in_progress');
      CREATE INDEX cases_retention_idx ON cases (tenant_id, closed_at) WHERE status = 'closed';
      ${enableRls('cases')}

      CREATE TABLE case_events (
        id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        case_id uuid REFERENCES cases(id) ON DELETE CASCADE,
        source text NOT NULL CHECK (source IN ('instance', 'push')),
        instance_uuid uuid,
        inbound_source_id uuid,
        -- The instance's or inbound source's id: what external_id is unique within.
        source_ref uuid NOT NULL,
        external_id text NOT NULL,
        title text,
        severity text CHECK (severity IN ('info', 'low', 'medium', 'high', 'critical')),
        status text,
        occurred_at timestamptz NOT NULL,
        raw jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE UNIQUE INDEX case_events_external_key ON case_events (tenant_id, source_ref, external_id);
      CREATE INDEX case_events_case_idx ON case_events (tenant_id, case_id, occurred_at DESC, id DESC);
      CREATE INDEX case_events_retention_idx ON case_events (tenant_id, created_at);
      ${enableRls('case_events')}

      -- Case numbers: one row per tenant, taken n at a time by an upsert in the creating transaction.
      CREATE TABLE case_counters (
        tenant_id uuid PRIMARY KEY REFERENCES tenants(id),
        last_value integer NOT NULL
      );
      ${enableRls('case_counters')}
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TABLE case_counters;
      DROP TABLE case_events;
      DROP TABLE cases;
    `);
  }
}
