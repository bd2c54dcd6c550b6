import { Module } from '@nestjs/common';
import { AuditModule } from '@conduit/audit';
import { TenantsModule } from '@conduit/tenants';
import { WebhooksModule } from '@conduit/webhooks';
import { LicenseNotifier } from './license-notifier';
import { LicenseNotifierTimer } from './license-notifier.timer';
import { LicensingModule } from './licensing.module';
import { LicenseNoticesRepository } from './repositories/license-notices.repository';

/**
 * Licensing's part of the worker: the licence in force (LicensingModule's state, which also keeps the installation's
 * latest time seen moving) and the expiry and clock-rollback notifications, published through webhooks' events.
 */
@Module({
  imports: [LicensingModule, TenantsModule, AuditModule, WebhooksModule],
  providers: [LicenseNoticesRepository, LicenseNotifier, LicenseNotifierTimer],
})
export class LicensingWorkerModule {}
