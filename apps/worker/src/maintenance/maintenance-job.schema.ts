// Payloads are checked when consumed: the producer may be an older or newer release than this worker.
import { z } from 'zod';
import type { MaintenanceJob } from '@conduit/queues';

export const maintenanceJobSchema: z.ZodType<MaintenanceJob> = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('heartbeat') }),
  z.object({
    kind: z.literal('probe'),
    hold_ms: z.number().int().min(0).max(60_000),
    marker: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/),
  }),
  z.object({ kind: z.literal('retention') }),
]);
