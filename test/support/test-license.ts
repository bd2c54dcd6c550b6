// The licence a suite's API runs under. A fresh installation runs the trial plan (what the licensing suites test);
// a suite that builds more than the trial allows (a 67-deep tenant tree) lifts the limits here. Until the licence
// itself is merged (LicenseStateService) this replaces what the process's LicenseState answers; then it can install a
// licence signed with a test key instead, with the same effect for the suites that call it.
import { EffectiveLicense, LicenseState, QuotaLimits } from '@conduit/licensing';
import type { TestApi } from './test-api';

export interface TestLicenseTerms {
  quotas?: Partial<QuotaLimits>;
  features?: EffectiveLicense['features'];
}

/** From now on, the API's licence in force has these quotas (null: unlimited) and features, the rest as it was. */
export function useLicenseTerms(api: TestApi, terms: TestLicenseTerms): void {
  const state = api.app.get(LicenseState);
  const base = state.current();
  const license: EffectiveLicense = {
    ...base,
    quotas: { ...base.quotas, ...terms.quotas },
    features: terms.features ?? base.features,
  };
  Object.defineProperty(state, 'current', { value: () => license, configurable: true });
}

/** No quota limits: for suites about something else that need more tenants or users than the trial allows. */
export function liftQuotas(api: TestApi): void {
  useLicenseTerms(api, {
    quotas: { tenants: null, users: null, integrations: null, instances: null, events_per_month: null },
  });
}
