// The instances quota counts each live tenant's instances that are not deleted (inactive ones too).
import { Injectable } from '@nestjs/common';
import { TenantContext } from '@conduit/database';
import { QuotaCount, QuotaCounter, QuotaCounterProvider } from '@conduit/licensing';
import type { TenantId } from '@conduit/platform';

@QuotaCounterProvider()
@Injectable()
export class InstancesCounter implements QuotaCounter {
  readonly quota = 'instances';

  constructor(private readonly db: TenantContext) {}

  async count(): Promise<QuotaCount> {
    const rows = await this.db.prepared<{ tenant_id: TenantId; n: number }>(
      'conduit_instance_counts',
      'SELECT tenant_id, n FROM conduit_instance_counts()',
      [],
    );
    return { total: rows.reduce((sum, r) => sum + r.n, 0), byTenant: new Map(rows.map((r) => [r.tenant_id, r.n])) };
  }
}
