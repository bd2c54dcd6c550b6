import { Monitors1764400000000 } from './1764400000000-monitors';

/** The monitors lib's tables, in order. */
export const MONITORS_MIGRATIONS = [Monitors1764400000000];
