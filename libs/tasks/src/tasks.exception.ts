import { ConduitException, ErrorDetail, HttpStatusCode } from '@conduit/platform';

export type TasksErrorCode =
  | 'task_not_found'
  | 'integration_not_found'
  | 'integration_not_owned'
  | 'invalid_field_definition'
  | 'invalid_task_definition'
  | 'task_dependency_cycle'
  | 'task_tag_exists'
  | 'task_has_dependents'
  | 'task_run_not_found'
  | 'instance_not_found'
  | 'instance_not_runnable'
  | 'task_not_runnable'
  | 'invalid_task_input'
  | 'task_run_finished'
  | 'health_check_not_configured';

const STATUS: Record<TasksErrorCode, HttpStatusCode> = {
  task_not_found: 404,
  integration_not_found: 404,
  integration_not_owned: 403,
  invalid_field_definition: 400,
  invalid_task_definition: 400,
  task_dependency_cycle: 400,
  task_tag_exists: 409,
  task_has_dependents: 409,
  task_run_not_found: 404,
  instance_not_found: 404,
  instance_not_runnable: 409,
  task_not_runnable: 409,
  invalid_task_input: 400,
  task_run_finished: 409,
  health_check_not_configured: 409,
};

export class TasksException extends ConduitException<TasksErrorCode> {
  constructor(code: TasksErrorCode, message: string, details: ErrorDetail[] = []) {
    super(code, STATUS[code], message, details);
  }
}

export const taskNotFound = () => new TasksException('task_not_found', 'Task not found');
export const integrationNotFound = () => new TasksException('integration_not_found', 'Integration not found');
export const taskRunNotFound = () => new TasksException('task_run_not_found', 'Task run not found');
export const runInstanceNotFound = () => new TasksException('instance_not_found', 'Instance not found');
