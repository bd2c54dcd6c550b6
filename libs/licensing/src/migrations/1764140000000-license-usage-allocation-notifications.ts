import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * license_usage_allocation_notifications: the events_per_month notifications of each tenant holding an allocation of
 * it (its subtree's events of the month against the allocation), one row per (tenant, month, quota, threshold) once
 * its operational event is published into that tenant's stream; claimed in the transaction that publishes it, so
 * several workers publish it exactly once. The installation's stay in license_usage_notifications.
 * A control-plane table like license_usage_notifications (no RLS: the worker claims rows about every tenant), reached
 * only through UsageRepository; allocated_to names the tenant the allocation is about, as in license_allocations (not
 * tenant_id: the tenant does not own the row).
 */
export class LicenseUsageAllocationNotifications1764140000000 implements MigrationInterface {
  name = 'LicenseUsageAllocationNotifications1764140000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE license_usage_allocation_notifications (
        allocated_to uuid NOT NULL REFERENCES tenants(id),
        month date NOT NULL CHECK (extract(day FROM month) = 1),
        quota text NOT NULL,
        threshold text NOT NULL CHECK (threshold IN ('warning', 'reached')),
        quota_limit bigint NOT NULL,
        usage bigint NOT NULL,
        event_id uuid,
        created_at timestamptz NOT NULL,
        PRIMARY KEY (allocated_to, month, quota, threshold)
      );
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE license_usage_allocation_notifications;`);
  }
}
