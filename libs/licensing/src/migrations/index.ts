import type { MigrationInterface } from 'typeorm';
import { LicenseUsage1764120000000 } from './1764120000000-license-usage';

/**
 * Licensing's tables, in order (declared on LicensingModule). Control-plane tables: no tenant column of their own
 * except the allocations', which hang off tenants and are reached only through this lib's services, and the monthly
 * usage per tenant (license_usage_months, license_usage_progress), which is under RLS like every tenant-owned table.
 */
export const LICENSING_MIGRATIONS: (new () => MigrationInterface)[] = [LicenseUsage1764120000000];
