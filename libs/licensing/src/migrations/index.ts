import type { MigrationClass } from '@conduit/database';
import { Licences1764100000000 } from './1764100000000-licences';
import { LicenseAllocations1764110000000 } from './1764110000000-license-allocations';
import { LicenseUsage1764120000000 } from './1764120000000-license-usage';
import { LicenseQuotaNotices1764130000000 } from './1764130000000-license-quota-notices';
import { LicenseUsageAllocationNotifications1764140000000 } from './1764140000000-license-usage-allocation-notifications';

/**
 * Licensing's tables, in order (declared on LicensingModule). Control-plane tables: no tenant column of their own
 * except the allocations', which hang off tenants and are reached only through this lib's services.
 * - Licences: the installation, the licence history, the notices sent.
 * - LicenseAllocations: MSSP allocations, and the count of memberships per tenant the users quota reads.
 * - LicenseUsage: the monthly usage of the compliance report; per tenant under RLS like every table with a tenant_id
 *   (license_usage_months, license_usage_progress), the installation's months and their notifications in the control
 *   plane.
 * - LicenseQuotaNotices: the quota thresholds that stand notified (installation and allocations), re-armed below them.
 * - LicenseUsageAllocationNotifications: the events_per_month notifications of each allocation, per month.
 */
export const LICENSING_MIGRATIONS: MigrationClass[] = [
  Licences1764100000000,
  LicenseAllocations1764110000000,
  LicenseUsage1764120000000,
  LicenseQuotaNotices1764130000000,
  LicenseUsageAllocationNotifications1764140000000,
];
