// Stands in for the licence in force until LicenseStateService (verified licences, trial and community over time) is
// merged: a fresh installation's answer, the trial plan. Replaced in LicensingModule at that merge.
import { Injectable } from '@nestjs/common';
import { LicenseState } from './license-state';
import { EffectiveLicense, PLANS } from './license-terms';

@Injectable()
export class PlaceholderLicenseState extends LicenseState {
  private readonly license: EffectiveLicense = {
    plan: 'trial',
    standing: 'none',
    license: null,
    installation_id: '00000000-0000-4000-8000-000000000000',
    expires_at: null,
    grace_ends_at: null,
    quotas: { ...PLANS.trial.quotas },
    features: PLANS.trial.features,
  };

  current(): EffectiveLicense {
    return this.license;
  }
}
