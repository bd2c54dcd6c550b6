// MSSP allocation: a platform admin sets the slice of the licence each tenant's subtree may use (any tenant but its
// own), an MSSP admin re-allocates from its own tenant's allocation to tenants below it. The rules themselves are in
// allocation-rules.ts; this reads, decides who may, and writes.
import { Injectable } from '@nestjs/common';
import { AccessService } from '@conduit/access';
import { Clock, ConduitException, TenantId } from '@conduit/platform';
import { TenantHierarchy } from '@conduit/tenants';
import {
  AllocatedQuotas,
  AllocationTerms,
  AllocationViolation,
  allocatedParent,
  allocatedToChildren,
  allocationViolations,
  allocationWarnings,
  heldFeatures,
} from './allocation-rules';
import { AllocatedQuotasDto, LicenseAllocationResponse, PutAllocationDto } from './dto/allocation.dto';
import { LicenseUsage, UsageSnapshot } from './license-usage';
import { FEATURES, QUOTAS } from './license-terms';
import { LicensingException } from './licensing.exception';
import { AllocationsRepository } from './repositories/allocations.repository';

const parentName = (parent: TenantId | null) => (parent ? `the allocation of tenant ${parent}` : 'the licence');

export function presentAllocation(snapshot: UsageSnapshot, tenantId: TenantId): LicenseAllocationResponse {
  const { tree, allocations, installation } = snapshot;
  const terms = allocations.get(tenantId);
  const usage = snapshot.usageOf(tenantId);
  const quotas: AllocatedQuotas = {};
  const handed: AllocatedQuotas = {};
  const available: AllocatedQuotas = {};
  for (const quota of QUOTAS) {
    const limit = terms?.quotas[quota];
    if (limit === undefined) continue;
    quotas[quota] = limit;
    handed[quota] = allocatedToChildren(tree, allocations, tenantId, quota);
    available[quota] = Math.max(0, limit - handed[quota]);
  }
  const warnings = allocationWarnings(tree, allocations, tenantId, usage).map((w) => ({
    ...w,
    message:
      w.code === 'usage_above_allocation'
        ? `${w.quota}: ${w.value} used, ${w.limit} allocated`
        : `${w.quota}: ${w.value} allocated below, ${w.limit} allocated here`,
  }));
  return {
    tenant_id: tenantId,
    allocated: terms !== undefined,
    quotas,
    features: terms?.features ? [...terms.features] : null,
    held_features: heldFeatures(tree, allocations, installation, tenantId),
    allocated_from: allocatedParent(tree, allocations, tenantId),
    usage,
    allocated_to_children: handed,
    available_to_allocate: available,
    over_allocated: warnings.length > 0,
    warnings,
    updated_at: snapshot.rows.get(tenantId)?.updated_at.toISOString() ?? null,
  };
}

/** The terms a request sets: the quotas it bounds (nulls left out), its features in their canonical order. */
export function termsOf(dto: PutAllocationDto): AllocationTerms {
  const quotas: AllocatedQuotas = {};
  for (const quota of QUOTAS) {
    const limit = dto.quotas[quota as keyof AllocatedQuotasDto];
    if (typeof limit === 'number') quotas[quota] = limit;
  }
  const features = dto.features ? FEATURES.filter((f) => dto.features?.includes(f)) : null;
  return { quotas, features };
}

/** The 400 an allocation change (or a move carrying allocations) is refused with; null: none. */
export function allocationRefusal(violations: AllocationViolation[]): LicensingException | null {
  const features = violations.flatMap((v) => (v.kind === 'feature_not_held' ? [v] : []));
  if (features.length > 0) {
    const [v] = features;
    return new LicensingException(
      'allocation_feature_not_held',
      `Features must be held above this tenant: ${v.features.join(', ')} ${v.features.length > 1 ? 'are' : 'is'} not`,
      [{ field: 'features', message: `not held by ${parentName(v.parent)}`, features: v.features, parent: v.parent }],
    );
  }
  const quotas = violations.flatMap((v) => (v.kind === 'exceeds_parent' ? [v] : []));
  if (quotas.length === 0) return null;
  return new LicensingException(
    'allocation_exceeds_parent',
    `The allocations below ${parentName(quotas[0].parent)} would add up to more than it holds`,
    quotas.map((v) => ({
      field: `quotas.${v.quota}`,
      message: `${v.quota}: ${v.allocated} allocated below ${parentName(v.parent)}, which holds ${v.limit}`,
      quota: v.quota,
      limit: v.limit,
      allocated: v.allocated,
      parent: v.parent,
    })),
  );
}

@Injectable()
export class AllocationsService {
  constructor(
    private readonly access: AccessService,
    private readonly hierarchy: TenantHierarchy,
    private readonly allocations: AllocationsRepository,
    private readonly usage: LicenseUsage,
    private readonly clock: Clock,
  ) {}

  async get(ref: string): Promise<LicenseAllocationResponse> {
    const { tenant } = await this.visible(ref);
    return presentAllocation(await this.usage.snapshot(), tenant);
  }

  async put(ref: string, dto: PutAllocationDto): Promise<LicenseAllocationResponse> {
    const tenant = await this.changeable(ref, 'update');
    const next = termsOf(dto);
    await this.allocations.lockChanges();
    const before = await this.usage.snapshot();
    const violations = allocationViolations(before.tree, before.allocations, tenant, next, before.installation);
    const refused = allocationRefusal(violations);
    if (refused) throw refused;
    await this.allocations.upsert(tenant, next, this.clock.now());
    return presentAllocation(await this.usage.snapshot(), tenant);
  }

  /** The tenant's subtree is then bounded by the allocations above it only. Idempotent: none is nothing to do. */
  async remove(ref: string): Promise<void> {
    const tenant = await this.changeable(ref, 'delete');
    await this.allocations.lockChanges();
    const before = await this.usage.snapshot();
    if (!before.allocations.has(tenant)) return;
    const violations = allocationViolations(before.tree, before.allocations, tenant, null, before.installation);
    const refused = allocationRefusal(violations);
    if (refused) throw refused;
    await this.allocations.remove(tenant);
  }

  /** A tenant the caller may read the allocation of; else 404, as for a tenant that does not exist. */
  private async visible(ref: string): Promise<{ tenant: TenantId; lineage: TenantId[] }> {
    const found = await this.hierarchy.find(ref);
    if (!found) throw new ConduitException('tenant_not_found', 404, 'Tenant not found');
    const lineage = await this.hierarchy.lineage(found.id);
    this.access.assert('read', 'LicenseAllocation', { id: found.id, lineage }, 'tenant_not_found');
    return { tenant: found.id, lineage };
  }

  /** Allocations are set from above: never on your own tenant; an MSSP admin only from an allocation it holds. */
  private async changeable(ref: string, action: 'update' | 'delete'): Promise<TenantId> {
    const { principal } = this.access.identity();
    const { tenant, lineage } = await this.visible(ref);
    if (tenant === principal.homeTenantId) {
      throw new LicensingException(
        'allocation_not_allowed',
        "Your own tenant's allocation is set from above it, not by you",
        [{ message: 'the tenant is your own', tenant_id: tenant }],
      );
    }
    if (principal.role !== 'platform_admin' && (await this.allocations.of([principal.homeTenantId])).length === 0) {
      throw new LicensingException(
        'allocation_not_allowed',
        'Your tenant holds no allocation to re-allocate from; ask whoever administers it for one',
        [{ message: 'your tenant holds no allocation', tenant_id: principal.homeTenantId }],
      );
    }
    this.access.assert(action, 'LicenseAllocation', { id: tenant, lineage }, 'tenant_not_found');
    return tenant;
  }
}
