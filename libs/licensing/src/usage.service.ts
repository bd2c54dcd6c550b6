// GET /api/v1/license/usage: usage per quota per tenant subtree. Platform admins see the installation's totals against
// the licence and every top-level tenant's subtree; MSSP admins their own tenant's subtree against its allocation and
// the subtrees below it.
import { Injectable } from '@nestjs/common';
import { AccessService } from '@conduit/access';
import type { TenantId } from '@conduit/platform';
import { LicenseUsageResponse, SubtreeUsageDto } from './dto/usage.dto';
import { LicenseUsage, UsageSnapshot } from './license-usage';
import { ENFORCED_QUOTAS } from './quota-counters';

function subtree(snapshot: UsageSnapshot, id: TenantId): SubtreeUsageDto {
  const node = snapshot.tree.node(id);
  const terms = snapshot.allocations.get(id);
  return {
    tenant_id: id,
    code: node?.code ?? '',
    name: node?.name ?? '',
    usage: snapshot.usageOf(id),
    allocation: terms ? { ...terms.quotas } : null,
  };
}

@Injectable()
export class UsageService {
  constructor(
    private readonly access: AccessService,
    private readonly usage: LicenseUsage,
  ) {}

  async report(): Promise<LicenseUsageResponse> {
    const { principal } = this.access.identity();
    const snapshot = await this.usage.snapshot();
    const root = principal.role === 'platform_admin' ? null : principal.homeTenantId;
    const used = snapshot.usageOf(root);
    const limits = root === null ? snapshot.installation.quotas : (snapshot.allocations.get(root)?.quotas ?? {});
    const below = [...snapshot.tree.childrenOf(root)].sort((a, b) =>
      (snapshot.tree.node(a)?.code ?? '').localeCompare(snapshot.tree.node(b)?.code ?? ''),
    );
    return {
      scope: root === null ? 'installation' : 'tenant',
      tenant_id: root,
      quotas: ENFORCED_QUOTAS.map((quota) => ({ quota, limit: limits[quota] ?? null, usage: used[quota] })),
      tenants: below.map((id) => subtree(snapshot, id)),
    };
  }
}
