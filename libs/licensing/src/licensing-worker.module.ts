import { Module } from '@nestjs/common';
import { AuditModule } from '@conduit/audit';
import { TenantsModule } from '@conduit/tenants';
import { WebhooksModule } from '@conduit/webhooks';
import { LicenseNotifier } from './license-notifier';
import { LicenseNotifierTimer } from './license-notifier.timer';
import { LicensingModule } from './licensing.module';
import { LicenseNoticesRepository } from './repositories/license-notices.repository';
import { LicenseQuotaNotifier } from './quota-notifier';
import { QuotaNoticesRepository } from './repositories/quota-notices.repository';
import { UsageCountTimer } from './usage/usage-count.timer';
import { UsageCounter } from './usage/usage-counter';
import { UsageNotifier } from './usage/usage-notifier';

/**
 * Licensing's part of the worker: the licence in force (LicensingModule's state, which also keeps the installation's
 * latest time seen moving), the expiry and clock-rollback notifications, the quota thresholds' of tenants, users,
 * integrations and instances, and the monthly usage count with its events_per_month notifications, published through
 * webhooks' events.
 */
@Module({
  imports: [LicensingModule, TenantsModule, AuditModule, WebhooksModule],
  providers: [
    LicenseNoticesRepository,
    LicenseNotifier,
    QuotaNoticesRepository,
    LicenseQuotaNotifier,
    LicenseNotifierTimer,
    UsageCounter,
    UsageNotifier,
    UsageCountTimer,
  ],
})
export class LicensingWorkerModule {}
