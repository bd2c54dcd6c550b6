import { MigrationInterface, QueryRunner } from 'typeorm';
import { enableRls } from '@conduit/database';

/**
 * Monthly usage for the licence's compliance report (docs/licensing.md, "Monthly usage and the compliance report"),
 * counted by the worker from the event tables and kept here, so that it outlives the retention sweeps of those rows.
 * - license_usage_months: per tenant and month (its 1st, UTC), the events counted into it (published through the API,
 *   received by the ingestion endpoints) and the peaks seen during it (memberships of the tenant, its live child
 *   tenants). Tenant-owned, under RLS like every table with a tenant_id; the report reads it tenant by tenant.
 * - license_usage_progress: per tenant and source ('published', 'received'), every row created before counted_until
 *   is counted. Each run counts only what came after it.
 * - license_installation_months: the installation's events per month (every tenant's together), what the
 *   events_per_month quota and the conduit_license_events_this_month gauge read. Control plane: no tenant column.
 * - license_usage_notifications: one row per (month, quota, threshold) once its operational event is published;
 *   claimed in the transaction that publishes it, so several workers publish it exactly once.
 */
export class LicenseUsage1764120000000 implements MigrationInterface {
  name = 'LicenseUsage1764120000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE license_usage_months (
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        month date NOT NULL CHECK (extract(day FROM month) = 1),
        events_published bigint NOT NULL DEFAULT 0,
        events_received bigint NOT NULL DEFAULT 0,
        peak_users integer NOT NULL DEFAULT 0,
        peak_child_tenants integer NOT NULL DEFAULT 0,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, month)
      );
      ${enableRls('license_usage_months')}

      CREATE TABLE license_usage_progress (
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        source text NOT NULL,
        counted_until timestamptz NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, source)
      );
      ${enableRls('license_usage_progress')}

      CREATE TABLE license_installation_months (
        month date PRIMARY KEY CHECK (extract(day FROM month) = 1),
        events bigint NOT NULL DEFAULT 0,
        updated_at timestamptz NOT NULL DEFAULT now()
      );

      CREATE TABLE license_usage_notifications (
        month date NOT NULL CHECK (extract(day FROM month) = 1),
        quota text NOT NULL,
        threshold text NOT NULL CHECK (threshold IN ('warning', 'reached')),
        quota_limit bigint NOT NULL,
        usage bigint NOT NULL,
        event_id uuid,
        created_at timestamptz NOT NULL,
        PRIMARY KEY (month, quota, threshold)
      );
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TABLE license_usage_notifications;
      DROP TABLE license_installation_months;
      DROP TABLE license_usage_progress;
      DROP TABLE license_usage_months;
    `);
  }
}
