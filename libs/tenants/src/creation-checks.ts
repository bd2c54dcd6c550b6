// What other domains check before this lib creates a tenant or a membership, or moves a tenant, inside the creating
// (moving) transaction: the licence's quotas and features (licensing registers its checks here; this lib cannot import
// licensing, which imports it). Without a registered check, creating and moving are not limited.
import { Injectable } from '@nestjs/common';
import type { TenantId } from '@conduit/platform';

export interface CreationCheck {
  /** A tenant is about to be created below parentId (null: at the top); throwing refuses it. */
  beforeTenant?(parentId: TenantId | null): Promise<void>;
  /** A user is about to become a member of tenantId; throwing refuses it. */
  beforeMembership?(tenantId: TenantId): Promise<void>;
  /** tenantId and its subtree are about to be moved below newParentId (null: to the top); throwing refuses it. */
  beforeMove?(tenantId: TenantId, newParentId: TenantId | null): Promise<void>;
}

@Injectable()
export class CreationChecks {
  private readonly checks: CreationCheck[] = [];

  register(check: CreationCheck): void {
    this.checks.push(check);
  }

  /** Runs inside the transaction that inserts the tenant, right before the insert. */
  async beforeTenant(parentId: TenantId | null): Promise<void> {
    for (const check of this.checks) await check.beforeTenant?.(parentId);
  }

  /** Runs inside the transaction that inserts the membership, right before the insert. */
  async beforeMembership(tenantId: TenantId): Promise<void> {
    for (const check of this.checks) await check.beforeMembership?.(tenantId);
  }

  /** Runs inside the transaction that moves the tenant, right before its parent_id is written. */
  async beforeMove(tenantId: TenantId, newParentId: TenantId | null): Promise<void> {
    for (const check of this.checks) await check.beforeMove?.(tenantId, newParentId);
  }
}
