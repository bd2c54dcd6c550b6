// Resolves a tenant named in a body or path: the caller's acting tenant, or one it administers; else 404.
import { Injectable } from '@nestjs/common';
import { AccessService, TenantRef } from '@conduit/access';
import { TenantException } from './tenant.exception';
import { TenantHierarchy } from './tenant-hierarchy';

@Injectable()
export class TenantScope {
  constructor(
    private readonly access: AccessService,
    private readonly hierarchy: TenantHierarchy,
  ) {}

  async resolve(ref: string | undefined): Promise<TenantRef> {
    const { principal, tenant } = this.access.identity();
    const wanted = ref?.trim().toLowerCase();
    if (!wanted || wanted === tenant.id || wanted === tenant.code) return tenant;
    const notFound = new TenantException('tenant_not_found', 'Tenant not found');
    if (principal.role !== 'platform_admin' && principal.role !== 'mssp_admin') throw notFound;
    const target = await this.hierarchy.find(wanted);
    if (!target) throw notFound;
    if (principal.role === 'mssp_admin' && !(await this.hierarchy.lineage(target.id)).includes(principal.homeTenantId))
      throw notFound;
    return { id: target.id, code: target.code, name: target.name, status: target.status, parent_id: target.parent_id };
  }
}
