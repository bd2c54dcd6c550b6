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

/**
 * Licensing's part of the worker: the licence in force (LicensingModule's state, which also keeps the installation's
 * latest time seen moving), the expiry and clock-rollback notifications and the quota thresholds' (tenants, users,
 * integrations, instances), published through webhooks' events.
 */
@Module({
  imports: [LicensingModule, TenantsModule, AuditModule, WebhooksModule],
  providers: [
    LicenseNoticesRepository,
    LicenseNotifier,
    QuotaNoticesRepository,
    LicenseQuotaNotifier,
    LicenseNotifierTimer,
  ],
})
export class LicensingWorkerModule {}
