import type { MigrationInterface } from 'typeorm';
import { Licences1764100000000 } from './1764100000000-licences';

/**
 * Licensing's tables, in order (declared on LicensingModule). Control-plane tables: no tenant column of their own
 * except the allocations', which hang off tenants and are reached only through this lib's services.
 */
export const LICENSING_MIGRATIONS: (new () => MigrationInterface)[] = [Licences1764100000000];
