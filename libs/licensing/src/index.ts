// The public surface of @conduit/licensing: only what other packages use. Everything else is internal.
export * from './license-terms';
export { LicenseState } from './license-state';
export { LicensingApiModule } from './licensing-api.module';
export { LicensingException } from './licensing.exception';
export type { LicensingErrorCode } from './licensing.exception';
export { LicensingModule } from './licensing.module';
