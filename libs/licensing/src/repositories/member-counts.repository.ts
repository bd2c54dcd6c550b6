// Memberships per live tenant, across tenants: through conduit_license_member_counts() (migration
// LicenseAllocations1764110000000), which returns counts and nothing else. The users quota's only read.
import { Injectable } from '@nestjs/common';
import { TenantContext } from '@conduit/database';
import type { TenantId } from '@conduit/platform';

@Injectable()
export class MemberCountsRepository {
  constructor(private readonly db: TenantContext) {}

  async byTenant(): Promise<Map<TenantId, number>> {
    const rows = await this.db.prepared<{ tenant_id: TenantId; n: number }>(
      'conduit_license_member_counts',
      'SELECT tenant_id, n FROM conduit_license_member_counts()',
      [],
    );
    return new Map(rows.map((r) => [r.tenant_id, r.n]));
  }
}
