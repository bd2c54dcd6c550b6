import type { Quota } from './license-terms';

/**
 * The seam for "quotas with usage" in GET /api/v1/license: installation-wide counts of what each quota limits.
 * TODO(issue 15, usage): the quota work binds an implementation in LicensingModule
 * (`{ provide: LicenseUsage, useExisting: ... }`); until then `used` is null in the answer.
 */
export abstract class LicenseUsage {
  abstract installationUsage(): Promise<Partial<Record<Quota, number>>>;
}
