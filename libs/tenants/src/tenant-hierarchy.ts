// Reads of the MSSP tree, for this lib and the domains that act on tenants (auth's acting tenant, ingestion's default
// tenant). tenants is a control-plane table: callers decide visibility through AccessService, or read it inside
// SystemContext.run().
import { Injectable } from '@nestjs/common';
import type { TenantId } from '@conduit/platform';
import { TenantEntity } from './entities/tenant.entity';
import { TenantNode, TenantsRepository } from './repositories/tenants.repository';

@Injectable()
export class TenantHierarchy {
  constructor(private readonly tenants: TenantsRepository) {}

  /** A live (not deleted) tenant by id or code; none for a missing reference (never the code "null"). */
  async find(ref: string | null | undefined): Promise<TenantEntity | null> {
    if (typeof ref !== 'string' || ref === '') return null;
    const tenant = await this.tenants.find(ref);
    return tenant && !tenant.deleted_at ? tenant : null;
  }

  /** Ids from the tenant itself up to its root. */
  lineage(tenantId: TenantId): Promise<TenantId[]> {
    return this.tenants.lineage(tenantId);
  }

  /** Every live tenant's place in the tree (id, parent, code), for what is computed over the whole tree at once. */
  liveTree(): Promise<TenantNode[]> {
    return this.tenants.liveTree();
  }

  /** Ids of the tenant and every live tenant below it. */
  subtree(rootId: TenantId): Promise<TenantId[]> {
    return this.tenants.subtree(rootId);
  }

  async isSelfOrDescendant(ancestorId: TenantId, tenantId: TenantId): Promise<boolean> {
    return (await this.lineage(tenantId)).includes(ancestorId);
  }

  /**
   * Serializes moves of tenants for the rest of the transaction: two concurrent moves (a under b, b under a) could
   * each pass the cycle check alone and make a cycle together.
   */
  lockForMove(): Promise<void> {
    return this.tenants.lockMoves();
  }

  hasLiveChildren(tenantId: TenantId): Promise<boolean> {
    return this.tenants.hasLiveChildren(tenantId);
  }
}
