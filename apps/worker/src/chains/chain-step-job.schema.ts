// Chain step job payloads are checked when consumed: the producer may be an older or newer release than this worker.
import { z } from 'zod';
import type { ChainStepJob } from '@conduit/queues';

export const chainStepJobSchema: z.ZodType<ChainStepJob> = z.object({
  tenant_id: z.uuid(),
  run_id: z.uuid(),
  step_run_id: z.uuid(),
  attempt: z.number().int().min(1).max(10_000),
});
