// The public surface of @conduit/tasks: the pure task-definition core, and the tasks domain (module, routes, tables).
export * from './definition';
export { TaskEntity } from './entities/task.entity';
export { TASKS_MIGRATIONS } from './migrations';
export { TASK_CREDENTIAL_NAMES, TASK_DEFINITION_KEYS, TasksService } from './tasks.service';
export { TaskDefinitionBody, TaskResponse } from './dto/task.dto';
export { TasksApiModule } from './tasks-api.module';
export { TasksModule } from './tasks.module';
export { TaskUsers } from './task-users';
export type { TaskUser, TaskUserSource } from './task-users';
export type { InstanceRateLimit, InstanceRateLimiterOptions } from './runs/instance-rate-limiter';
export {
  InstanceRateLimitAbortedError,
  InstanceRateLimiter,
  InstanceRateLimiterUnavailableError,
} from './runs/instance-rate-limiter';
// For chains' task steps: a step is checked (at save) and prepared (when it runs) with the same rules as an API run.
export { TaskRunsService } from './task-runs.service';
export { TasksException } from './tasks.exception';
