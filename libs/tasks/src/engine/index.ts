// @conduit/tasks/engine: the task executor for the worker (the tasks queue's processor, reconciler, retention) and
// for chains' task steps (TaskRunner.runNow through TaskEngineModule).
export { TaskEngineModule, TasksWorkerModule } from '../tasks-worker.module';
export { TaskRunner, MAX_CLAIMS } from './task-runner';
export type { RunOutcome } from './task-runner';
export { TaskRunReconciler } from './task-run-reconciler';
export { TaskRunRetention } from './task-run-retention';
// For chains' task steps, which write their prepared run before TaskRunner.runNow runs it.
export { TaskRunsRepository } from '../repositories/task-runs.repository';
