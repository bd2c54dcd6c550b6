import { MigrationInterface, QueryRunner } from 'typeorm';
import { dropQuotaCountFunction, quotaCountFunction } from '../quota-count-sql';

/**
 * MSSP allocation: the slice of the licence a tenant's subtree may use, set by whoever administers the tenant above
 * it. A control-plane table like tenants (no RLS): it is read and written about tenants other than the acting one
 * (a platform admin's top-level tenants, an MSSP's customers), always through AllocationsRepository.
 * - allocated_to: the tenant (not named tenant_id: the row is not owned by that tenant, it is set from above). ON
 *   DELETE CASCADE for a hard delete; tenants are only soft-deleted today, and the allocation of a deleted tenant stops
 *   counting at once (every read joins live tenants), so its budget returns to the allocation above it.
 * - quotas: { quota: limit } for the quotas this allocation bounds (a quota left out is bounded only above it).
 * - features: the features the subtree may use (a subset of those above it); null: whatever is held above.
 * And conduit_license_member_counts(): memberships per live tenant, what the users quota counts.
 */
export class LicenseAllocations1764110000000 implements MigrationInterface {
  name = 'LicenseAllocations1764110000000';
  static readonly runtimeFunctions = ['conduit_license_member_counts()'];

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE license_allocations (
        allocated_to uuid PRIMARY KEY REFERENCES tenants(id) ON DELETE CASCADE,
        quotas jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(quotas) = 'object'),
        features text[],
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL
      );
      ${quotaCountFunction('conduit_license_member_counts', 'memberships')}
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      ${dropQuotaCountFunction('conduit_license_member_counts', 'memberships')}
      DROP TABLE license_allocations;
    `);
  }
}
