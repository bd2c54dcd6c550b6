import { Catalogue1764300000000 } from './1764300000000-catalogue';

/** The integrations lib's tables, in order. */
export const INTEGRATIONS_MIGRATIONS = [Catalogue1764300000000];
