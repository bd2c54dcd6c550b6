// The tasks queue: its job as producers type it and as the worker checks it. A payload that does not fit fails its
// job for good.
import { z } from 'zod';
import { type TenantJob, jobTenantId } from '@conduit/queues';

export const TASK_RUNS_QUEUE = 'tasks';

/** One claim of one run; the job id `${run_id}-${attempt}` makes re-enqueueing idempotent. */
export interface TaskRunJob extends TenantJob {
  run_id: string;
  attempt: number;
}

export const taskRunJobId = (runId: string, attempt: number): string => `${runId}-${attempt}`;

export const taskRunJobSchema: z.ZodType<TaskRunJob> = z.object({
  tenant_id: jobTenantId,
  run_id: z.uuid(),
  attempt: z.number().int().min(1).max(10_000),
});
