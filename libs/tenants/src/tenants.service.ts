import { Injectable } from '@nestjs/common';
import { AccessService } from '@conduit/access';
import { Clock, IdGenerator, Page, TenantId, asTenantId, decodeCursor, toPage } from '@conduit/platform';
import { CreateTenantDto, ListTenantsQueryDto, TenantResponse, UpdateTenantDto } from './dto/tenant.dto';
import { TenantEntity } from './entities/tenant.entity';
import { CreationChecks } from './creation-checks';
import { TenantException } from './tenant.exception';
import { TenantHierarchy } from './tenant-hierarchy';
import { TenantsRepository } from './repositories/tenants.repository';

export function presentTenant(t: TenantEntity): TenantResponse {
  return {
    id: t.id,
    code: t.code,
    name: t.name,
    parent_id: t.parent_id,
    status: t.status,
    contact_email: t.contact_email,
    settings: t.settings,
    compliance_settings: t.compliance_settings,
    isolation: t.isolation,
    connection_status: t.connection_status ?? null,
    created_at: t.created_at.toISOString(),
    updated_at: t.updated_at.toISOString(),
  };
}

/**
 * Tenants API rules: platform admins see all, MSSP admins their subtree, everyone else their own tenant. Nobody
 * suspends, deactivates or deletes their own home tenant (it would lock them out with it).
 */
@Injectable()
export class TenantsService {
  constructor(
    private readonly hierarchy: TenantHierarchy,
    private readonly tenants: TenantsRepository,
    private readonly access: AccessService,
    private readonly ids: IdGenerator,
    private readonly clock: Clock,
    private readonly checks: CreationChecks,
  ) {}

  async create(dto: CreateTenantDto): Promise<TenantResponse> {
    // A dedicated tenant needs its database, which only the isolation route sets up (migrations, runtime role, sealed
    // URL): a tenant merely labelled dedicated would be routed as shared (docs/dedicated-tenants.md).
    if (dto.isolation === 'dedicated') {
      throw new TenantException(
        'isolation_requires_database',
        'A tenant is created shared; make it dedicated with PUT /api/v1/tenants/{id}/isolation and its database_url',
      );
    }
    const { principal, tenant: acting } = this.access.identity();
    const parentId = dto.parent_id ?? (principal.role === 'platform_admin' ? null : acting.id);
    // A new tenant's id, minted here.
    const id = asTenantId(this.ids.next());
    let lineage = [id];
    let parent: TenantEntity | null = null;
    if (parentId) {
      parent = await this.hierarchy.find(parentId);
      if (!parent)
        throw new TenantException('tenant_parent_invalid', 'parent_id does not name a tenant you administer');
      lineage = [id, ...(await this.hierarchy.lineage(parent.id))];
    }
    if (!this.access.can('create', 'Tenant', { id, lineage })) {
      if (parentId && !this.access.can('read', 'Tenant', { id: parentId, lineage: lineage.slice(1) })) {
        throw new TenantException('tenant_parent_invalid', 'parent_id does not name a tenant you administer');
      }
      this.access.assert('create', 'Tenant');
    }
    await this.checks.beforeTenant(parent?.id ?? null);
    const tenant = await this.tenants.insert({
      id,
      code: dto.code,
      name: dto.name,
      parentId: parent?.id ?? null,
      contactEmail: dto.contact_email,
      settings: dto.settings,
      complianceSettings: dto.compliance_settings,
      isolation: dto.isolation,
    });
    return presentTenant(tenant);
  }

  async list(query: ListTenantsQueryDto): Promise<Page<TenantResponse>> {
    const { principal } = this.access.identity();
    const limit = query.limit ?? 50;
    const cursor = decodeCursor(query.cursor);
    const visible =
      principal.role === 'platform_admin'
        ? null
        : principal.role === 'mssp_admin'
          ? await this.hierarchy.subtree(principal.homeTenantId)
          : [principal.homeTenantId];
    const rows = await this.tenants.page(
      { visible, status: query.status, parent_id: query.parent_id },
      { limit, cursor },
    );
    return toPage(rows, limit, presentTenant);
  }

  async get(ref: string): Promise<TenantResponse> {
    return presentTenant((await this.loadVisible(ref, 'read')).tenant);
  }

  async update(ref: string, dto: UpdateTenantDto): Promise<TenantResponse> {
    const { principal } = this.access.identity();
    const { tenant } = await this.loadVisible(ref, 'update');
    if (dto.status !== undefined && dto.status !== tenant.status && tenant.id === principal.homeTenantId) {
      throw new TenantException('tenant_update_forbidden', 'You cannot change the status of your own tenant');
    }
    if (dto.parent_id !== undefined && dto.parent_id !== tenant.parent_id) {
      if (principal.role !== 'platform_admin') {
        throw new TenantException('tenant_update_forbidden', 'Only platform admins can move a tenant');
      }
      const parentId = await this.newParent(tenant, dto.parent_id);
      await this.checks.beforeMove(tenant.id, parentId);
      tenant.parent_id = parentId;
    }
    if (dto.name !== undefined) tenant.name = dto.name;
    if (dto.status !== undefined) tenant.status = dto.status;
    if (dto.contact_email !== undefined) tenant.contact_email = dto.contact_email;
    if (dto.settings !== undefined) tenant.settings = dto.settings;
    if (dto.compliance_settings !== undefined) tenant.compliance_settings = dto.compliance_settings;
    tenant.updated_at = this.clock.now();
    await this.tenants.save(tenant);
    return presentTenant(tenant);
  }

  /** Soft delete: the row stays for audit and foreign keys; its users and keys stop working. */
  async remove(ref: string): Promise<void> {
    const { principal } = this.access.identity();
    const { tenant, lineage } = await this.loadVisible(ref, 'read');
    // Your own tenant is always visible to you, so saying why is no leak.
    if (tenant.id === principal.homeTenantId)
      throw new TenantException('tenant_update_forbidden', 'You cannot delete your own tenant');
    this.access.assert('delete', 'Tenant', { id: tenant.id, lineage }, 'tenant_not_found');
    if (await this.hierarchy.hasLiveChildren(tenant.id)) {
      throw new TenantException('tenant_has_children', 'Delete or move the tenants below this one first');
    }
    const now = this.clock.now();
    await this.tenants.softDelete(tenant.id, now);
  }

  /** The new parent's id for a move (platform admins only); null makes the tenant a root. */
  private async newParent(tenant: TenantEntity, ref: string | null): Promise<TenantId | null> {
    if (ref === null) return null;
    const parent = await this.hierarchy.find(ref);
    if (!parent) throw new TenantException('tenant_parent_invalid', 'parent_id must name a live tenant');
    await this.hierarchy.lockForMove();
    if ((await this.hierarchy.lineage(parent.id)).includes(tenant.id)) {
      throw new TenantException(
        'tenant_parent_cycle',
        "parent_id must be outside this tenant's subtree (the move would make a cycle)",
      );
    }
    return parent.id;
  }

  private async loadVisible(
    ref: string,
    action: 'read' | 'update',
  ): Promise<{ tenant: TenantEntity; lineage: string[] }> {
    const tenant = await this.hierarchy.find(ref);
    if (!tenant) throw new TenantException('tenant_not_found', 'Tenant not found');
    const lineage = await this.hierarchy.lineage(tenant.id);
    this.access.assert(action, 'Tenant', { id: tenant.id, lineage }, 'tenant_not_found');
    return { tenant, lineage };
  }
}
