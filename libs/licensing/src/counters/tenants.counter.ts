// The tenants quota counts live tenants, the platform tenant aside (it holds the installation's own admins, not a
// customer). A tenant holds the tenants directly below it, so a subtree's usage is the tenants below its root: an
// allocation's tenants are those it may have under it.
import { Injectable } from '@nestjs/common';
import type { TenantId } from '@conduit/platform';
import { PLATFORM_TENANT_CODE, TenantHierarchy } from '@conduit/tenants';
import { QuotaCount, QuotaCounter, QuotaCounterProvider } from '../quota-counters';

@QuotaCounterProvider()
@Injectable()
export class TenantsCounter implements QuotaCounter {
  readonly quota = 'tenants';

  constructor(private readonly hierarchy: TenantHierarchy) {}

  async count(): Promise<QuotaCount> {
    const nodes = await this.hierarchy.liveTree();
    const live = new Set(nodes.map((n) => n.id));
    const byTenant = new Map<TenantId, number>();
    let total = 0;
    for (const node of nodes) {
      if (node.code !== PLATFORM_TENANT_CODE || node.parent_id !== null) total += 1;
      if (node.parent_id && live.has(node.parent_id))
        byTenant.set(node.parent_id, (byTenant.get(node.parent_id) ?? 0) + 1);
    }
    return { total, byTenant };
  }
}
