// Each queue's job payload as consumers check it (the producer may be an older or newer release than the consumer),
// beside the job types of queue-names.ts. A payload that does not fit fails its job for good.
import { z } from 'zod';
import type { ChainStepJob, DeliveryJob, IngestionJob, MaintenanceJob } from './queue-names';

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

export const chainStepJobSchema: z.ZodType<ChainStepJob> = z.object({
  tenant_id: z.uuid(),
  run_id: z.uuid(),
  step_run_id: z.uuid(),
  attempt: z.number().int().min(1).max(10_000),
});

// Jobs queued before routing was batched carry one `inbound_event_id`; they are still routed after an upgrade.
export const ingestionJobSchema: z.ZodType<IngestionJob> = z.union([
  z.object({ tenant_id: z.uuid(), inbound_event_ids: z.array(z.uuid()).min(1), generation: z.number().int().min(0) }),
  z
    .object({ tenant_id: z.uuid(), inbound_event_id: z.uuid(), generation: z.number().int().min(0) })
    .transform(({ inbound_event_id, ...rest }) => ({ ...rest, inbound_event_ids: [inbound_event_id] })),
]);

export const maintenanceJobSchema: z.ZodType<MaintenanceJob> = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('heartbeat') }),
  z.object({
    kind: z.literal('probe'),
    hold_ms: z.number().int().min(0).max(60_000),
    marker: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/),
  }),
  z.object({ kind: z.literal('retention') }),
  z.object({ kind: z.literal('analytics_rollup') }),
]);
