// The public surface of @conduit/licensing: only what other packages use. Everything else is internal.
export * from './license-terms';
export { LicenseState } from './license-state';
export { LicenseStateService } from './license-state.service';
export { LicenseService } from './license.service';
export { LicenseUsage } from './license-usage';
export { VENDOR_PUBLIC_KEYS } from './license-keys';
export { generateLicenseKeyPair, signLicense } from './vendor-tool';
export type { LicenseKeyPair } from './vendor-tool';
export { LicensingApiModule } from './licensing-api.module';
export { LicensingException } from './licensing.exception';
export type { LicensingErrorCode } from './licensing.exception';
export { LicensingModule } from './licensing.module';
