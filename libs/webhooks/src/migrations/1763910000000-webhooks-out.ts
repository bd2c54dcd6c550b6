import { MigrationInterface, QueryRunner } from 'typeorm';
import { enableRls } from '@conduit/database';

// Webhooks out: subscriptions, events, one delivery per (event, subscription), and every attempt.
export class WebhooksOut1763910000000 implements MigrationInterface {
  name = 'WebhooksOut1763910000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE webhook_subscriptions (
        id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        app_name text NOT NULL,
        description text,
        target_url text NOT NULL,
        event_types text[] NOT NULL CHECK (cardinality(event_types) > 0),
        filter jsonb,
        type text NOT NULL DEFAULT 'public' CHECK (type IN ('public', 'private')),
        payload_format text NOT NULL DEFAULT 'envelope' CHECK (payload_format IN ('envelope', 'raw')),
        header_names text[] NOT NULL DEFAULT '{}',
        headers_sealed text,
        secret_sealed text NOT NULL,
        previous_secret_sealed text,
        previous_secret_expires_at timestamptz,
        retry_schedule integer[] NOT NULL,
        rate_limit_per_second integer CHECK (rate_limit_per_second IS NULL OR rate_limit_per_second > 0),
        is_active boolean NOT NULL DEFAULT true,
        disabled_reason text,
        disabled_at timestamptz,
        consecutive_failures integer NOT NULL DEFAULT 0,
        circuit_state text NOT NULL DEFAULT 'closed' CHECK (circuit_state IN ('closed', 'open', 'half_open')),
        circuit_opened_at timestamptz,
        failing_since timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        deleted_at timestamptz
      );
      CREATE INDEX webhook_subscriptions_tenant_created_idx ON webhook_subscriptions (tenant_id, created_at DESC, id DESC);
      CREATE INDEX webhook_subscriptions_events_idx ON webhook_subscriptions USING gin (event_types)
        WHERE deleted_at IS NULL AND is_active;
      ${enableRls('webhook_subscriptions')}

      CREATE TABLE webhook_events (
        id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        event_name text NOT NULL,
        source text NOT NULL,
        payload jsonb NOT NULL,
        idempotency_key text,
        delivery_count integer NOT NULL DEFAULT 0,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX webhook_events_tenant_created_idx ON webhook_events (tenant_id, created_at DESC, id DESC);
      CREATE INDEX webhook_events_tenant_name_idx ON webhook_events (tenant_id, event_name, created_at DESC);
      CREATE UNIQUE INDEX webhook_events_idempotency_key ON webhook_events (tenant_id, idempotency_key) WHERE idempotency_key IS NOT NULL;
      ${enableRls('webhook_events')}

      CREATE TABLE webhook_deliveries (
        id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        event_id uuid NOT NULL REFERENCES webhook_events(id) ON DELETE CASCADE,
        subscription_id uuid NOT NULL REFERENCES webhook_subscriptions(id),
        status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivering', 'delivered', 'failed', 'cancelled')),
        attempt_count integer NOT NULL DEFAULT 0,
        next_attempt_at timestamptz,
        lease_expires_at timestamptz,
        last_status_code integer,
        last_error_class text,
        last_error text,
        delivered_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE UNIQUE INDEX webhook_deliveries_event_subscription_key ON webhook_deliveries (event_id, subscription_id);
      CREATE INDEX webhook_deliveries_tenant_created_idx ON webhook_deliveries (tenant_id, created_at DESC, id DESC);
      CREATE INDEX webhook_deliveries_tenant_subscription_idx ON webhook_deliveries (tenant_id, subscription_id, created_at DESC);
      CREATE INDEX webhook_deliveries_tenant_due_idx ON webhook_deliveries (tenant_id, next_attempt_at)
        WHERE status IN ('pending', 'delivering');
      ${enableRls('webhook_deliveries')}

      CREATE TABLE webhook_delivery_attempts (
        id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        delivery_id uuid NOT NULL REFERENCES webhook_deliveries(id) ON DELETE CASCADE,
        attempt_number integer NOT NULL,
        status_code integer,
        duration_ms integer NOT NULL,
        error_class text,
        error_message text,
        request_headers jsonb NOT NULL DEFAULT '{}',
        response_headers jsonb NOT NULL DEFAULT '{}',
        response_body text,
        response_truncated boolean NOT NULL DEFAULT false,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX webhook_delivery_attempts_delivery_idx ON webhook_delivery_attempts (tenant_id, delivery_id, attempt_number);
      CREATE INDEX webhook_delivery_attempts_tenant_created_idx ON webhook_delivery_attempts (tenant_id, created_at DESC);
      ${enableRls('webhook_delivery_attempts')}
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TABLE webhook_delivery_attempts;
      DROP TABLE webhook_deliveries;
      DROP TABLE webhook_events;
      DROP TABLE webhook_subscriptions;
    `);
  }
}
