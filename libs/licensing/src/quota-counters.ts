// What each enforced quota counts, declared by the domain that creates the counted things: a provider marked
// @QuotaCounterProvider() is found here in every process that composes it (a new domain's quota needs no edit in this
// lib). See docs/licensing.md, "Quotas".
import { Injectable, SetMetadata } from '@nestjs/common';
import { DiscoveryService, Reflector } from '@nestjs/core';
import { InvariantError, TenantId } from '@conduit/platform';
import type { Quota } from './license-terms';

/** The quotas a creation is checked against; events_per_month is reported, never enforced (no event is dropped). */
export type EnforcedQuota = Exclude<Quota, 'events_per_month'>;
export const ENFORCED_QUOTAS: readonly EnforcedQuota[] = ['tenants', 'users', 'integrations', 'instances'];

export interface QuotaCount {
  /** The installation's usage. */
  total: number;
  /**
   * What each live tenant holds itself (its own members, integrations, ...; for the tenants quota, the tenants directly
   * below it); a tenant holding none may be left out. A subtree's usage is the sum over its tenants.
   */
  byTenant: ReadonlyMap<TenantId, number>;
}

/** How one quota is counted. */
export interface QuotaCounter {
  readonly quota: EnforcedQuota;
  /**
   * What exists now, read in the caller's transaction: inside a quota check, under that quota's lock, so it sees
   * every creation committed before. Across tenants: a tenant-owned table is read through its quotaCountFunction.
   */
  count(): Promise<QuotaCount>;
}

const QUOTA_COUNTER = 'conduit:quota-counter';

/** Marks a domain's QuotaCounter provider (one per quota). */
export const QuotaCounterProvider = (): ClassDecorator => SetMetadata(QUOTA_COUNTER, true);

const NOTHING: QuotaCount = { total: 0, byTenant: new Map() };

@Injectable()
export class QuotaCounters {
  private found: Map<EnforcedQuota, QuotaCounter> | null = null;

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly reflector: Reflector,
  ) {}

  /** Found on first use (every provider exists once the app is created; a check may run before it is initialised). */
  private get counters(): Map<EnforcedQuota, QuotaCounter> {
    this.found ??= this.discover();
    return this.found;
  }

  private discover(): Map<EnforcedQuota, QuotaCounter> {
    const counters = new Map<EnforcedQuota, QuotaCounter>();
    for (const wrapper of this.discovery.getProviders()) {
      const { metatype, instance } = wrapper;
      if (!metatype || !instance || !this.reflector.get<boolean>(QUOTA_COUNTER, metatype)) continue;
      const counter = instance as QuotaCounter;
      const existing = counters.get(counter.quota);
      // One provider instance may be found through several modules; two different ones would count twice.
      if (existing && existing !== counter)
        throw new InvariantError('quota_counted_twice', `the ${counter.quota} quota has two counters`);
      counters.set(counter.quota, counter);
    }
    return counters;
  }

  /** Whether some domain of this process counts the quota (one that does not exist yet counts nothing). */
  counts(quota: EnforcedQuota): boolean {
    return this.counters.has(quota);
  }

  /** The quota's usage now; nothing for a quota no composed domain counts (none of its things can exist). */
  count(quota: EnforcedQuota): Promise<QuotaCount> {
    return this.counters.get(quota)?.count() ?? Promise.resolve(NOTHING);
  }
}
