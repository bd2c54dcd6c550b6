// @conduit/tasks/engine: the task executor for the worker (the tasks queue's processor, reconciler, retention) and
// for chains' task steps (TaskRunner.runNow through TaskEngineModule).
export { TaskEngineModule, TasksWorkerModule } from '../tasks-worker.module';
export { TaskRunner, MAX_CLAIMS } from './task-runner';
export type { RunOutcome } from './task-runner';
export { TaskRunReconciler } from './task-run-reconciler';
export { TaskRunRetention } from './task-run-retention';
// Chains' task steps write their prepared run before TaskRunner.runNow runs it; case ingestion (libs/cases) runs an
// ingestion task page by page through the pure call and records the run's outcome as a task run.
export { TaskHttpClient } from './task-http-client';
export { TaskRunsService } from '../task-runs.service';
export { TaskRunsRepository } from '../repositories/task-runs.repository';
export { TasksRepository } from '../repositories/tasks.repository';
export { dependencyOrder } from '../runs/dependency-order';
export { OAuth2TokenCache, executeTaskCall } from '../runs';
// Every caller of executeTaskCall with an instance builds the call with instanceTaskCall, so it is the same call.
export { instanceTaskCall } from './instance-call';
export type { TaskCallResult } from '../runs';
