// The deliveries queue: its job as producers type it and as the worker checks it (the producer may be an older or newer
// release than the consumer). A payload that does not fit fails its job for good.
import { z } from 'zod';
import { type TenantJob, jobTenantId } from '@conduit/queues';

export const DELIVERIES_QUEUE = 'deliveries';

/**
 * Attempt `attempt` of one or more deliveries of one tenant (a publish's fan-out travels as one job; a retry or a
 * deferred attempt as a job of its own). The job id, derived from the delivery ids and the attempt
 * (`${delivery_id}-${attempt}` for one), makes re-enqueueing idempotent.
 */
export interface DeliveryJob extends TenantJob {
  delivery_ids: string[];
  attempt: number;
}

/** One attempt of one delivery, as the engine runs it. */
export interface DeliveryAttempt extends TenantJob {
  delivery_id: string;
  attempt: number;
}

export function deliveryJobId(deliveryIds: readonly string[], attempt: number): string {
  return deliveryIds.length === 1
    ? `${deliveryIds[0]}-${attempt}`
    : `${deliveryIds[0]}+${deliveryIds.length - 1}-${attempt}`;
}

// Jobs queued before fan-outs were batched carry one `delivery_id`; they are still run after an upgrade.
export const deliveryJobSchema: z.ZodType<DeliveryJob> = z.union([
  z.object({
    tenant_id: jobTenantId,
    delivery_ids: z.array(z.uuid()).min(1).max(1000),
    attempt: z.number().int().min(1).max(1000),
  }),
  z
    .object({ tenant_id: jobTenantId, delivery_id: z.uuid(), attempt: z.number().int().min(1).max(1000) })
    .transform(({ delivery_id, ...rest }) => ({ ...rest, delivery_ids: [delivery_id] })),
]);
