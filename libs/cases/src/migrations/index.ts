import { Cases1764500000000 } from './1764500000000-cases';

/** The cases lib's tables, in order. */
export const CASES_MIGRATIONS = [Cases1764500000000];
