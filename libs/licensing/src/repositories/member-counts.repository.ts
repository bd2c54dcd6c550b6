// Memberships per live tenant, across tenants: through conduit_license_member_counts() (migration
// LicenseAllocations1764110000000), which returns counts and nothing else. The users quota's only read.
import { Injectable } from '@nestjs/common';
import { TenantContext } from '@conduit/database';
import type { TenantId } from '@conduit/platform';

@Injectable()
export class MemberCountsRepository {
  constructor(private readonly db: TenantContext) {}

  async byTenant(): Promise<Map<TenantId, number>> {
    // Memberships are control plane, in the core database: the caller's transaction when it is the core one, else
    // the core pool (a dedicated tenant's database has none).
    const rows = (await this.db.coreEm.query(
      {
        name: 'conduit_license_member_counts',
        text: 'SELECT tenant_id, n FROM conduit_license_member_counts()',
      } as unknown as string,
      [],
    )) as { tenant_id: TenantId; n: number }[];
    return new Map(rows.map((r) => [r.tenant_id, r.n]));
  }
}
