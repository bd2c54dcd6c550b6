// The ingestion queue: its job as producers type it and as the worker checks it (the producer may be an older or newer
// release than the consumer). A payload that does not fit fails its job for good.
import { z } from 'zod';
import { type TenantJob, jobTenantId } from '@conduit/queues';

export const INGESTION_QUEUE = 'ingestion';

/**
 * Route accepted inbound requests of one tenant (one job per group commit on the receive path, so one per request
 * only when they come one at a time); `generation` > 0 for replays (a new outgoing event).
 */
export interface IngestionJob extends TenantJob {
  inbound_event_ids: string[];
  generation: number;
}

// Jobs queued before routing was batched carry one `inbound_event_id`; they are still routed after an upgrade.
export const ingestionJobSchema: z.ZodType<IngestionJob> = z.union([
  z.object({
    tenant_id: jobTenantId,
    inbound_event_ids: z.array(z.uuid()).min(1),
    generation: z.number().int().min(0),
  }),
  z
    .object({ tenant_id: jobTenantId, inbound_event_id: z.uuid(), generation: z.number().int().min(0) })
    .transform(({ inbound_event_id, ...rest }) => ({ ...rest, inbound_event_ids: [inbound_event_id] })),
]);
