// Keeps the inbound source directory (docs/dedicated-tenants.md, "Routing of every domain") in line with the sources
// themselves, where the two are in different databases (a dedicated tenant's sources, the core database's directory):
// an entry for every live source that has none (sources a dedicated database held before the directory existed, a
// database restored from a backup older or newer than the core one's), and away the entries naming no live source (a
// creation that failed after its entry was committed, a deletion whose entry outlived it). Run by `migrate` and
// `sources:directory --repair` over every tenant, and by the worker every few minutes over the dedicated ones.
import { Injectable, Logger } from '@nestjs/common';
import { SystemContext, TenantContext, TenantDatabases, isDatabaseUnavailable } from '@conduit/database';
import { Clock, TenantId } from '@conduit/platform';
import { SourceDirectoryRepository } from './repositories/source-directory.repository';
import { SourcesRepository } from './repositories/sources.repository';

/**
 * How old an entry naming no source must be before it goes. A creation commits its entry (in the core database) before
 * its source (in the tenant's), in one request or one import: well within this.
 */
export const DIRECTORY_SWEEP_GRACE_MS = 60 * 60_000;

export interface SourceDirectoryRepairResult {
  /** tenants whose entries were brought in line */
  tenants: number;
  added: number;
  removed: number;
  /** tenants left as they are: their sources could not be read, their database away (nothing is removed for them) */
  skipped: TenantId[];
}

@Injectable()
export class SourceDirectoryRepair {
  private readonly logger = new Logger(SourceDirectoryRepair.name);

  constructor(
    private readonly db: TenantContext,
    private readonly system: SystemContext,
    private readonly databases: TenantDatabases,
    private readonly sources: SourcesRepository,
    private readonly directory: SourceDirectoryRepository,
    private readonly clock: Clock,
  ) {}

  /** Every tenant's entries (`migrate`, `sources:directory --repair`). */
  async repairAll(): Promise<SourceDirectoryRepairResult> {
    const tenants = await this.system.run('sources.directory_repair', (plane) =>
      plane.tenantIds({ includeDeleted: false }),
    );
    return this.repair(tenants);
  }

  /**
   * The dedicated tenants' entries (the worker's pass). A shared tenant's source and its entry are written in one
   * transaction of the core database, and restored together with it, so they cannot part.
   */
  async repairDedicated(): Promise<SourceDirectoryRepairResult> {
    await this.databases.refresh();
    return this.repair(this.databases.dedicatedTenants());
  }

  async repair(tenants: readonly TenantId[]): Promise<SourceDirectoryRepairResult> {
    const result: SourceDirectoryRepairResult = { tenants: 0, added: 0, removed: 0, skipped: [] };
    for (const tenantId of tenants) {
      // Read first, and the cut-off taken before the read: an entry written after it is never counted as stale.
      const staleBefore = new Date(this.clock.now().getTime() - DIRECTORY_SWEEP_GRACE_MS);
      let live: Awaited<ReturnType<SourcesRepository['live']>>;
      try {
        live = await this.db.runInTenant(tenantId, () => this.sources.live(tenantId));
      } catch (err) {
        // A dedicated database that is away (or not migrated yet) holds sources this process cannot see: its entries
        // stay, and the other tenants are repaired all the same.
        if (!isDatabaseUnavailable(err))
          this.logger.warn(
            { tenantId, err: (err as Error).message },
            "source directory: the tenant's sources not read",
          );
        result.skipped.push(tenantId);
        continue;
      }
      const { added, removed } = await this.directory.reconcile(tenantId, live, staleBefore);
      if (added > 0 || removed > 0) this.logger.log({ tenantId, added, removed }, 'source directory repaired');
      result.tenants++;
      result.added += added;
      result.removed += removed;
    }
    return result;
  }
}
