import { Catalogue1764300000000 } from './1764300000000-catalogue';
import { Instances1764320000000 } from './1764320000000-instances';

/** The integrations lib's tables, in order. */
export const INTEGRATIONS_MIGRATIONS = [Catalogue1764300000000, Instances1764320000000];
