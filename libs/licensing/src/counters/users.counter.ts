// The users quota counts memberships of live tenants: a user who is a member of two tenants takes a seat in each
// (each tenant's subtree counts its own members). Disabled users count: enabling one again creates nothing.
import { Injectable } from '@nestjs/common';
import { QuotaCount, QuotaCounter, QuotaCounterProvider } from '../quota-counters';
import { MemberCountsRepository } from '../repositories/member-counts.repository';

@QuotaCounterProvider()
@Injectable()
export class UsersCounter implements QuotaCounter {
  readonly quota = 'users';

  constructor(private readonly members: MemberCountsRepository) {}

  async count(): Promise<QuotaCount> {
    const byTenant = await this.members.byTenant();
    let total = 0;
    for (const n of byTenant.values()) total += n;
    return { total, byTenant };
  }
}
