import { Tasks1764310000000 } from './1764310000000-tasks';

/** The tasks lib's tables, in order (after the integrations lib's). */
export const TASKS_MIGRATIONS = [Tasks1764310000000];
