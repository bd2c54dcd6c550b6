// The lock a quota check holds until its transaction ends: creations counted against one quota are serialized, so
// the count each one reads includes every creation committed before it. The lock is the core database's whatever the
// creating tenant's database (docs/dedicated-tenants.md, "Licence quotas"): one lock per quota for the installation.
import { Injectable } from '@nestjs/common';
import { TenantContext } from '@conduit/database';
import type { Quota } from '../license-terms';

@Injectable()
export class QuotaLocksRepository {
  constructor(private readonly db: TenantContext) {}

  /** Blocks until no other transaction holds the quota's lock; released at commit or rollback. */
  async lock(quota: Quota): Promise<void> {
    if (this.db.inCoreDatabase()) {
      await this.db.prepared(
        'conduit_license_quota_lock',
        `SELECT pg_advisory_xact_lock(hashtextextended('conduit:license-quota:' || $1, 0))`,
        [quota],
      );
      return;
    }
    // A dedicated tenant's transaction is in its own database: the same lock (same key: session and transaction
    // advisory locks of one key exclude each other) is taken on a core connection held until that transaction has
    // ended, so the next creation's count sees this one's row. The count reads the core database on that connection.
    const core = await this.db.heldCoreConnection();
    await core.query(`SELECT pg_advisory_lock(hashtextextended('conduit:license-quota:' || $1, 0))`, [quota]);
  }
}
