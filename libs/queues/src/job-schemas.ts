// The maintenance queue's job payload as the worker checks it, beside its job type in queue-names.ts. Domains keep
// their jobs' schemas beside their job types, in their own libs. A payload that does not fit fails its job for good.
import { z } from 'zod';
import { asTenantId } from '@conduit/platform';
import type { MaintenanceJob } from './queue-names';

/** A tenant job's tenant_id: a job's validated tenant is a TenantId (one of the trust boundaries asTenantId names). */
export const jobTenantId = z.uuid().transform(asTenantId);

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
