// The chain-steps queue: its job as producers type it and as the worker checks it (the producer may be an older or
// newer release than the consumer). A payload that does not fit fails its job for good.
import { z } from 'zod';
import { type TenantJob, jobTenantId } from '@conduit/queues';

export const CHAIN_STEPS_QUEUE = 'chain-steps';

/** One attempt of one step of a run; the job id `${step_run_id}-${attempt}` makes re-enqueueing idempotent. */
export interface ChainStepJob extends TenantJob {
  run_id: string;
  step_run_id: string;
  attempt: number;
}

export function chainStepJobId(stepRunId: string, attempt: number): string {
  return `${stepRunId}-${attempt}`;
}

export const chainStepJobSchema: z.ZodType<ChainStepJob> = z.object({
  tenant_id: jobTenantId,
  run_id: z.uuid(),
  step_run_id: z.uuid(),
  attempt: z.number().int().min(1).max(10_000),
});
