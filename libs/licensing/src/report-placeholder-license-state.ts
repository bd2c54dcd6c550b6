// PLACEHOLDER for the lic-report branch only (the lead deletes it at merge): the trial plan as the licence in force,
// so the usage report and notifications run before the real LicenseState (lic-core) is bound.
import { Injectable } from '@nestjs/common';
import { LicenseState } from './license-state';
import { EffectiveLicense, PLANS } from './license-terms';

@Injectable()
export class ReportPlaceholderLicenseState extends LicenseState {
  current(): EffectiveLicense {
    return {
      plan: 'trial',
      standing: 'none',
      license: null,
      installation_id: '00000000-0000-0000-0000-000000000000',
      expires_at: null,
      grace_ends_at: null,
      quotas: { ...PLANS.trial.quotas },
      features: PLANS.trial.features,
    };
  }
}
