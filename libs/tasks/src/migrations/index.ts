import { Tasks1764310000000 } from './1764310000000-tasks';
import { TaskRuns1764330000000 } from './1764330000000-task-runs';

/** The tasks lib's tables, in order (after the integrations lib's). */
export const TASKS_MIGRATIONS = [Tasks1764310000000, TaskRuns1764330000000];
