// A quota's count of tenant-owned rows across tenants, through the domain's quotaCountFunction (which reveals counts
// per tenant and nothing else), in every database that holds tenants' rows: the core database's answer plus, for each
// live dedicated tenant, the same function run in its own database (docs/dedicated-tenants.md, "Licence quotas").
import { Injectable } from '@nestjs/common';
import { DEDICATED_CONCURRENCY, TenantContext, TenantDatabases, mapConcurrently } from '@conduit/database';
import type { TenantId } from '@conduit/platform';
import type { QuotaCount } from '../quota-counters';

@Injectable()
export class TenantRowCounts {
  /** The last count read in each dedicated database (function and tenant): what counts while that database is away. */
  readonly #lastKnown = new Map<string, number>();

  constructor(
    private readonly db: TenantContext,
    private readonly databases: TenantDatabases,
  ) {}

  /** What `fn()` (a quotaCountFunction returning tenant_id and n; a name from code, never from input) counts. */
  async count(fn: `conduit_${string}_counts`): Promise<QuotaCount> {
    const text = `SELECT tenant_id, n FROM ${fn}()`;
    // In the caller's transaction when it is the core database's (a shared tenant's creation, under the quota's lock:
    // what it read before, at the same cost), else on the core pool, outside the dedicated tenant's transaction.
    const rows = (await this.db.coreEm.query({ name: fn, text } as unknown as string, [])) as {
      tenant_id: TenantId;
      n: number;
    }[];
    const byTenant = new Map(rows.map((r) => [r.tenant_id, r.n]));
    // One statement per dedicated database, counting only its tenant (none: nothing more is asked), with
    // DEDICATED_CONCURRENCY databases asked at once. Committed rows: a creation there commits before it releases the
    // quota's lock, so the next check sees it.
    const counts = await mapConcurrently(this.databases.dedicatedTenants(), DEDICATED_CONCURRENCY, async (tenantId) => {
      const key = `${fn}:${tenantId}`;
      // Its own transaction's database: read in it (its pool may have no other connection free).
      let n = this.db.inDatabaseOf(tenantId)
        ? (((await this.db.em.query(text)) as { tenant_id: TenantId; n: number }[]).find(
            (r) => r.tenant_id === tenantId,
          )?.n ?? 0)
        : await this.databases.countIn(tenantId, text);
      // Away or backing off (not asked): its last count read here (its rows cannot have grown since: nothing is
      // created there while it is away).
      if (n === null) n = this.#lastKnown.get(key) ?? 0;
      else this.#lastKnown.set(key, n);
      return [tenantId, n] as const;
    });
    for (const [tenantId, n] of counts) {
      // Its own database's count, not added to the core database's: rows of it there are what a move to its database
      // left behind until `tenant:move --cleanup` (docs/dedicated-tenants.md), which must not count twice.
      if (n > 0) byTenant.set(tenantId, n);
      else byTenant.delete(tenantId);
    }
    let total = 0;
    for (const n of byTenant.values()) total += n;
    return { total, byTenant };
  }
}
