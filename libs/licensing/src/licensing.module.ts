import { Module } from '@nestjs/common';
import { AuditModule } from '@conduit/audit';
import { Migrations } from '@conduit/database';
import { TenantsModule } from '@conduit/tenants';
import { LicenseKeyring } from './license-keys';
import { LicenseState } from './license-state';
import { LicenseStateService } from './license-state.service';
import { LicenseService } from './license.service';
import { LicenseVerifier } from './license-verifier';
import { LICENSING_MIGRATIONS } from './migrations';
import { InstallationRepository } from './repositories/installation.repository';
import { LicensesRepository } from './repositories/licenses.repository';
// Registers the License subject, its API-key scope and each role's rules with @conduit/access.
import './licensing.access';

/**
 * Licensing: the licence in force (verified offline-signed licences, trial and community plans), quotas and their
 * usage, features, MSSP allocation. Other domains declare what they count and which feature a route needs; this lib
 * answers.
 */
@Migrations(...LICENSING_MIGRATIONS)
@Module({
  imports: [TenantsModule, AuditModule],
  providers: [
    LicenseKeyring,
    LicenseVerifier,
    InstallationRepository,
    LicensesRepository,
    LicenseStateService,
    { provide: LicenseState, useExisting: LicenseStateService },
    LicenseService,
  ],
  // The repository and verifier for the worker's notifier (licensing-worker.module.ts); other libs cannot name them.
  exports: [LicenseState, LicenseStateService, LicenseService, LicenseVerifier, InstallationRepository],
})
export class LicensingModule {}
