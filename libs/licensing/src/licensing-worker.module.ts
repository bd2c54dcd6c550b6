import { Module } from '@nestjs/common';
import { TenantsModule } from '@conduit/tenants';
import { WebhooksModule } from '@conduit/webhooks';
import { LicensingModule } from './licensing.module';
import { UsageCountTimer } from './usage/usage-count.timer';
import { UsageCounter } from './usage/usage-counter';
import { UsageNotifier } from './usage/usage-notifier';

/**
 * Licensing's part of the worker: the monthly usage count and its events_per_month notifications (published into the
 * platform tenant's stream through webhooks).
 */
@Module({
  imports: [LicensingModule, TenantsModule, WebhooksModule],
  providers: [UsageCounter, UsageNotifier, UsageCountTimer],
})
export class LicensingWorkerModule {}
