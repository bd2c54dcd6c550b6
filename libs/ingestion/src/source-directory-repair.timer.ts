// The worker's pass over the dedicated tenants' source directory entries (SourceDirectoryRepair): once at start, so a
// MIGRATE_ON_START deployment repairs as `migrate` does, then every few minutes, which sweeps the entries of failed
// creations and puts back those a restored database's sources lack. Several workers may run it at once: both writes
// are idempotent.
import { Injectable } from '@nestjs/common';
import { DatabaseTimer } from '@conduit/database';
import { SourceDirectoryRepair } from './source-directory-repair';

const INTERVAL_MS = 10 * 60_000;

@Injectable()
export class SourceDirectoryRepairTimer extends DatabaseTimer {
  constructor(private readonly repair: SourceDirectoryRepair) {
    super(INTERVAL_MS, 'repairing the source directory');
  }

  protected async runOnce(): Promise<void> {
    const { skipped } = await this.repair.repairDedicated();
    if (skipped.length > 0)
      this.logger.warn({ skipped }, 'source directory: tenants whose sources could not be read left as they are');
  }
}
