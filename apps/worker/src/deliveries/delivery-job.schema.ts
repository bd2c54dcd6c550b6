// Delivery job payloads are checked when consumed: the producer may be an older or newer release than this worker.
import { z } from 'zod';
import type { DeliveryJob } from '@conduit/queues';

// Jobs queued before fan-outs were batched carry one `delivery_id`; they are still run after an upgrade.
export const deliveryJobSchema: z.ZodType<DeliveryJob> = z.union([
  z.object({
    tenant_id: z.uuid(),
    delivery_ids: z.array(z.uuid()).min(1).max(1000),
    attempt: z.number().int().min(1).max(1000),
  }),
  z
    .object({ tenant_id: z.uuid(), delivery_id: z.uuid(), attempt: z.number().int().min(1).max(1000) })
    .transform(({ delivery_id, ...rest }) => ({ ...rest, delivery_ids: [delivery_id] })),
]);
