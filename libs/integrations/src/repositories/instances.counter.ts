// The instances quota counts each live tenant's instances that are not deleted (inactive ones too).
import { Injectable } from '@nestjs/common';
import { QuotaCount, QuotaCounter, QuotaCounterProvider, TenantRowCounts } from '@conduit/licensing';

@QuotaCounterProvider()
@Injectable()
export class InstancesCounter implements QuotaCounter {
  readonly quota = 'instances';

  constructor(private readonly rows: TenantRowCounts) {}

  /** Shared tenants' rows in the core database and each dedicated tenant's in its own. */
  count(): Promise<QuotaCount> {
    return this.rows.count('conduit_instance_counts');
  }
}
