// The SQL over license_notices: one row per (licence, threshold) once its notification is claimed, so that of several
// workers exactly one publishes it. Claimed in the transaction that publishes it: a failed publish un-claims it.
import { Injectable } from '@nestjs/common';
import { TenantContext } from '@conduit/database';

@Injectable()
export class LicenseNoticesRepository {
  constructor(private readonly db: TenantContext) {}

  /**
   * Claims the notices of `licenseId` not claimed before, and returns those this call claimed. A concurrent claim of
   * the same row waits for the first transaction and then finds it taken.
   */
  async claim(licenseId: string, thresholds: readonly string[], now: Date): Promise<string[]> {
    if (thresholds.length === 0) return [];
    const rows = (await this.db.coreEm.query(
      `INSERT INTO license_notices (license_id, threshold, claimed_at)
       SELECT $1, t, $3 FROM unnest($2::text[]) AS t
       ON CONFLICT (license_id, threshold) DO NOTHING
       RETURNING threshold`,
      [licenseId, thresholds, now],
    )) as { threshold: string }[];
    return rows.map((r) => r.threshold);
  }

  /** Records the event a claimed notice was published as (a claimed notice left without one was superseded). */
  async published(licenseId: string, threshold: string, eventId: string): Promise<void> {
    await this.db.coreEm.query(`UPDATE license_notices SET event_id = $3 WHERE license_id = $1 AND threshold = $2`, [
      licenseId,
      threshold,
      eventId,
    ]);
  }
}
