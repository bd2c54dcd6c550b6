// The SQL over license_installation, the control plane's singleton row of this installation: its id, its first start
// (the trial's clock) and the latest time any of its processes has seen (the clock-rollback guard). In the caller's
// transaction, which is a SystemContext.run() one.
import { Injectable } from '@nestjs/common';
import { TenantContext } from '@conduit/database';

export interface InstallationRow {
  installation_id: string;
  first_started_at: Date;
  latest_seen_at: Date;
  /** when the clock rollback now going on was first recorded; null when none is */
  clock_rollback_at: Date | null;
}

/** What a process needs to know which licence is in force: one read, every LICENSE_REFRESH_MS on every process. */
export interface LicenseSnapshot {
  installation: InstallationRow;
  /** the active licence's row, or null */
  license: ActiveLicenseRow | null;
}

export interface ActiveLicenseRow {
  id: string;
  token: string;
  installed_at: Date;
  installed_by: string;
}

type Nullable<T> = { [K in keyof T]: T[K] | null };

const COLUMNS = 'i.installation_id, i.first_started_at, i.latest_seen_at, i.clock_rollback_at';

@Injectable()
export class InstallationRepository {
  constructor(private readonly db: TenantContext) {}

  /**
   * The installation and its active licence in one statement (a plain read: one round trip). Null before the
   * installation's row exists.
   */
  async snapshot(): Promise<LicenseSnapshot | null> {
    const [row] = (await this.db.coreEm.query(
      `SELECT ${COLUMNS}, l.id AS license_row_id, l.token, l.installed_at, l.installed_by
         FROM license_installation i LEFT JOIN licenses l ON l.active`,
    )) as (InstallationRow & Nullable<Omit<ActiveLicenseRow, 'id'>> & { license_row_id: string | null })[];
    if (!row) return null;
    const { license_row_id, token, installed_at, installed_by, ...installation } = row;
    const license =
      license_row_id && token && installed_at && installed_by
        ? { id: license_row_id, token, installed_at, installed_by }
        : null;
    return { installation, license };
  }

  /** Creates the singleton row, first started and last seen now, unless it exists already. */
  async ensure(installationId: string, now: Date): Promise<void> {
    await this.db.coreEm.query(
      `INSERT INTO license_installation (installation_id, first_started_at, latest_seen_at)
       VALUES ($1, $2, $2) ON CONFLICT (singleton) DO NOTHING`,
      [installationId, now],
    );
  }

  /** The row, locked until the transaction ends: installs of licences take turns on it. */
  async lock(): Promise<InstallationRow | null> {
    const [row] = (await this.db.coreEm.query(
      `SELECT ${COLUMNS} FROM license_installation i FOR UPDATE`,
    )) as InstallationRow[];
    return row ?? null;
  }

  /**
   * Moves latest_seen_at forward to `now` (never back). Sent with COMMIT, as BEGIN, this and COMMIT in one message: a
   * process's periodic touch costs one round trip.
   */
  async observe(now: Date): Promise<void> {
    await this.db.atCommit(`UPDATE license_installation SET latest_seen_at = $1 WHERE latest_seen_at < $1`, [now]);
  }

  /** Records the start of a clock rollback (a Date), or its end (null). Call it holding the row (lock()). */
  async setClockRollback(at: Date | null): Promise<void> {
    await this.db.coreEm.query(`UPDATE license_installation SET clock_rollback_at = $1`, [at]);
  }
}
