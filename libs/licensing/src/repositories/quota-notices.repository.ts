// The SQL over license_quota_notices: one row per (scope, quota, threshold) while that threshold stands notified. A
// worker claims a row in the transaction that publishes its event, so of several workers exactly one publishes it;
// deleting the row (usage fell below the threshold, the bound went away) re-arms it. See docs/licensing.md, "Quota
// notifications".
import { Injectable } from '@nestjs/common';
import { TenantContext } from '@conduit/database';

export interface QuotaNoticeKey {
  /** 'installation', or the id of the tenant whose allocation it is about */
  scope: string;
  quota: string;
  threshold: string;
}

export interface QuotaNoticeClaim extends QuotaNoticeKey {
  limit: number;
  usage: number;
  claimId: string;
}

@Injectable()
export class QuotaNoticesRepository {
  constructor(private readonly db: TenantContext) {}

  /**
   * Serializes the notifier's passes across workers for the rest of the transaction: each pass reads usage after the
   * one before committed, so a pass working from an older count never claims or re-arms after a newer one.
   */
  async lock(): Promise<void> {
    await this.db.coreEm.query(`SELECT pg_advisory_xact_lock(hashtextextended('conduit:license-quota-notices', 0))`);
  }

  /** Every notice standing now. */
  async all(): Promise<QuotaNoticeKey[]> {
    return (await this.db.coreEm.query(
      `SELECT scope, quota, threshold FROM license_quota_notices ORDER BY scope, quota, threshold`,
    )) as QuotaNoticeKey[];
  }

  /**
   * Claims these notices: those with no row, and those whose row was claimed under another limit (the limit changed:
   * a new crossing). Returns the claim ids of those this call claimed; a row standing at the same limit is left alone.
   * A concurrent claim of the same row waits for the first transaction and then finds it taken.
   */
  async claim(claims: readonly QuotaNoticeClaim[], now: Date): Promise<string[]> {
    if (claims.length === 0) return [];
    const rows = (await this.db.coreEm.query(
      `INSERT INTO license_quota_notices AS n (scope, quota, threshold, quota_limit, usage, claim_id, claimed_at)
       SELECT c.scope, c.quota, c.threshold, c.quota_limit, c.usage, c.claim_id, $7
         FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::bigint[], $6::uuid[])
           AS c(scope, quota, threshold, quota_limit, usage, claim_id)
       ON CONFLICT (scope, quota, threshold) DO UPDATE
          SET quota_limit = excluded.quota_limit, usage = excluded.usage, claim_id = excluded.claim_id,
              claimed_at = excluded.claimed_at, event_id = NULL
        WHERE n.quota_limit <> excluded.quota_limit
       RETURNING claim_id`,
      [
        claims.map((c) => c.scope),
        claims.map((c) => c.quota),
        claims.map((c) => c.threshold),
        claims.map((c) => c.limit),
        claims.map((c) => c.usage),
        claims.map((c) => c.claimId),
        now,
      ],
    )) as { claim_id: string }[];
    return rows.map((r) => r.claim_id);
  }

  /** Records the event a claim was published as. */
  async published(claimId: string, eventId: string): Promise<void> {
    await this.db.coreEm.query(`UPDATE license_quota_notices SET event_id = $2 WHERE claim_id = $1`, [
      claimId,
      eventId,
    ]);
  }

  /** Re-arms these notices: the next crossing publishes again. */
  async rearm(keys: readonly QuotaNoticeKey[]): Promise<void> {
    if (keys.length === 0) return;
    await this.db.coreEm.query(
      `DELETE FROM license_quota_notices n
        USING unnest($1::text[], $2::text[], $3::text[]) AS k(scope, quota, threshold)
        WHERE n.scope = k.scope AND n.quota = k.quota AND n.threshold = k.threshold`,
      [keys.map((k) => k.scope), keys.map((k) => k.quota), keys.map((k) => k.threshold)],
    );
  }
}
