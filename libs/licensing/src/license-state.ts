import type { EffectiveLicense } from './license-terms';

/**
 * The licence in force on this process: what every quota and feature check reads, synchronously (no round trip per
 * request). Bound in LicensingModule to the implementation that follows the control plane and the clock.
 */
export abstract class LicenseState {
  abstract current(): EffectiveLicense;
}
