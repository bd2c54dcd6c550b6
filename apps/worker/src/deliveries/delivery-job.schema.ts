// Delivery job payloads are checked when consumed: the producer may be an older or newer release than this worker.
import { z } from 'zod';
import type { DeliveryJob } from '@conduit/queues';

export const deliveryJobSchema: z.ZodType<DeliveryJob> = z.object({
  tenant_id: z.uuid(),
  delivery_id: z.uuid(),
  attempt: z.number().int().min(1).max(1000),
});
