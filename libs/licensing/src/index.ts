// The public surface of @conduit/licensing: only what other packages use. Everything else is internal.
export * from './license-terms';
export { LicenseState } from './license-state';
export { LicenseFeatures } from './license-features';
export { LicenseQuotas } from './license-quotas';
export { LicenseUsage } from './license-usage';
export type { QuotaFigures } from './license-usage';
export { ENFORCED_QUOTAS, QuotaCounterProvider } from './quota-counters';
export type { EnforcedQuota, QuotaCount, QuotaCounter } from './quota-counters';
export { quotaCountFunction, dropQuotaCountFunction } from './quota-count-sql';
export { FEATURE_OPERATION_EXTENSION, RequiresFeature } from './requires-feature';
export { LicensingApiModule } from './licensing-api.module';
export { LicensingException } from './licensing.exception';
export type { LicensingErrorCode } from './licensing.exception';
export { LicensingModule } from './licensing.module';
