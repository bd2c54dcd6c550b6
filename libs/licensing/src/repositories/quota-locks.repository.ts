// The lock a quota check holds until its transaction ends: creations counted against one quota are serialized, so
// the count each one reads includes every creation committed before it.
import { Injectable } from '@nestjs/common';
import { TenantContext } from '@conduit/database';
import type { Quota } from '../license-terms';

@Injectable()
export class QuotaLocksRepository {
  constructor(private readonly db: TenantContext) {}

  /** Blocks until no other transaction holds the quota's lock; released at commit or rollback. */
  async lock(quota: Quota): Promise<void> {
    await this.db.prepared(
      'conduit_license_quota_lock',
      `SELECT pg_advisory_xact_lock(hashtextextended('conduit:license-quota:' || $1, 0))`,
      [quota],
    );
  }
}
