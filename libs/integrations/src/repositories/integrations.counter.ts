// The integrations quota counts each live tenant's integrations that are not deleted (drafts and inactive ones too).
import { Injectable } from '@nestjs/common';
import { QuotaCount, QuotaCounter, QuotaCounterProvider, TenantRowCounts } from '@conduit/licensing';

@QuotaCounterProvider()
@Injectable()
export class IntegrationsCounter implements QuotaCounter {
  readonly quota = 'integrations';

  constructor(private readonly rows: TenantRowCounts) {}

  /** Shared tenants' rows in the core database and each dedicated tenant's in its own. */
  count(): Promise<QuotaCount> {
    return this.rows.count('conduit_integration_counts');
  }
}
