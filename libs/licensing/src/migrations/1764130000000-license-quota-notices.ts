import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * license_quota_notices: the quota thresholds (license.quota_warning at 80%, license.quota_reached at 100%) that stand
 * notified, for the installation's limits and for each tenant's allocation. A control-plane table like
 * license_notices (no RLS: the worker reads it about every tenant), reached only through QuotaNoticesRepository.
 * - scope: 'installation', or the id of the tenant whose allocation the notice is about (not named tenant_id: the
 *   tenant does not own the row; a row of a deleted tenant or a removed allocation is re-armed, i.e. deleted, by the
 *   next pass);
 * - one row per (scope, quota, threshold), claimed in the transaction that publishes its event; deleted once usage
 *   falls back below the threshold, so the next crossing publishes again; claimed anew when the limit it was claimed
 *   under changes;
 * - quota_limit, usage: as published; claim_id: each claim's own id (the event's idempotency key); event_id: the event.
 * Not license_notices: those are per licence (license_id, threshold) and never re-arm; these outlive a renewal and do.
 */
export class LicenseQuotaNotices1764130000000 implements MigrationInterface {
  name = 'LicenseQuotaNotices1764130000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE license_quota_notices (
        scope text NOT NULL CHECK (scope = 'installation' OR scope ~ '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'),
        quota text NOT NULL,
        threshold text NOT NULL CHECK (threshold IN ('warning', 'reached')),
        quota_limit bigint NOT NULL,
        usage bigint NOT NULL,
        claim_id uuid NOT NULL UNIQUE,
        claimed_at timestamptz NOT NULL,
        event_id uuid,
        PRIMARY KEY (scope, quota, threshold)
      );
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE license_quota_notices;`);
  }
}
