import { MigrationInterface, QueryRunner } from 'typeorm';
import { enableRls } from '@conduit/database';

// Webhooks in: sources (how a provider's requests are verified) and every accepted request, stored as received.
export class WebhooksIn1763920000000 implements MigrationInterface {
  name = 'WebhooksIn1763920000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE inbound_sources (
        id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        name text NOT NULL,
        provider text NOT NULL CHECK (provider IN ('stripe', 'github', 'standard_webhooks', 'hmac', 'jwt_hmac', 'api_key', 'basic', 'none')),
        source_key text NOT NULL,
        secret_sealed text,
        previous_secret_sealed text,
        previous_secret_expires_at timestamptz,
        allowed_cidrs cidr[] NOT NULL DEFAULT '{}',
        event_type_path text,
        filter jsonb,
        max_body_bytes integer NOT NULL DEFAULT 1048576 CHECK (max_body_bytes > 0),
        is_active boolean NOT NULL DEFAULT true,
        rejected_count bigint NOT NULL DEFAULT 0,
        last_rejected_reason text,
        last_rejected_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        deleted_at timestamptz
      );
      CREATE UNIQUE INDEX inbound_sources_source_key ON inbound_sources (source_key);
      CREATE INDEX inbound_sources_tenant_created_idx ON inbound_sources (tenant_id, created_at DESC, id DESC);
      -- A receive request names its source before the tenant is known: by id (seed path) or by key.
      ${enableRls(
        'inbound_sources',
        `id = nullif(current_setting('app.source_id', true), '')::uuid OR source_key = nullif(current_setting('app.source_key', true), '')`,
      )}

      CREATE TABLE inbound_events (
        id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        source_id uuid NOT NULL REFERENCES inbound_sources(id),
        provider text NOT NULL,
        delivery_id text,
        event_type text,
        content_type text,
        raw_body bytea NOT NULL,
        headers jsonb NOT NULL,
        source_ip text,
        payload_size integer NOT NULL,
        status text NOT NULL DEFAULT 'accepted' CHECK (status IN ('accepted', 'routed', 'filtered', 'failed')),
        routing_attempts integer NOT NULL DEFAULT 0,
        routing_error text,
        routed_event_id uuid,
        received_at timestamptz NOT NULL DEFAULT now(),
        routed_at timestamptz
      );
      CREATE UNIQUE INDEX inbound_events_source_delivery_key ON inbound_events (source_id, delivery_id) WHERE delivery_id IS NOT NULL;
      CREATE INDEX inbound_events_tenant_received_idx ON inbound_events (tenant_id, received_at DESC, id DESC);
      CREATE INDEX inbound_events_tenant_pending_idx ON inbound_events (tenant_id, received_at) WHERE status = 'accepted';
      ${enableRls('inbound_events')}
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE inbound_events; DROP TABLE inbound_sources;`);
  }
}
