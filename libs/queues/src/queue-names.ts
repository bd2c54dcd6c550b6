// Queue names and job payload types shared by producers (api) and consumers (worker).
export const QUEUE_NAMES = ['deliveries', 'chain-steps', 'ingestion', 'tasks', 'monitors', 'maintenance'] as const;
export type QueueName = (typeof QUEUE_NAMES)[number];

/** Every tenant job carries its tenant; processors validate it and run inside runInTenant(). */
export interface TenantJob {
  tenant_id: string;
}

/** maintenance queue: platform-wide housekeeping, not tenant work. */
export type MaintenanceJob =
  | { kind: 'heartbeat' }
  | { kind: 'probe'; hold_ms: number; marker: string }
  | { kind: 'retention' }
  | { kind: 'analytics_rollup' };

export const HEARTBEAT_SCHEDULER_ID = 'maintenance-heartbeat';
export const RETENTION_SCHEDULER_ID = 'maintenance-retention';
export const ANALYTICS_ROLLUP_SCHEDULER_ID = 'maintenance-analytics-rollup';
export const HEARTBEAT_KEY_SUFFIX = 'worker:heartbeat';

/**
 * deliveries queue: attempt `attempt` of one or more deliveries of one tenant (a publish's fan-out travels as one
 * job; a retry or a deferred attempt as a job of its own). The job id, derived from the delivery ids and the
 * attempt (`${delivery_id}-${attempt}` for one), makes re-enqueueing idempotent.
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

/**
 * ingestion queue: route accepted inbound requests of one tenant (one job per group commit on the receive path,
 * so one per request only when they come one at a time); `generation` > 0 for replays (a new outgoing event).
 */
export interface IngestionJob extends TenantJob {
  inbound_event_ids: string[];
  generation: number;
}

/**
 * chain-steps queue: one job per attempt of one step of a run; the job id `${step_run_id}-${attempt}` makes
 * re-enqueueing idempotent.
 */
export interface ChainStepJob extends TenantJob {
  run_id: string;
  step_run_id: string;
  attempt: number;
}

export function chainStepJobId(stepRunId: string, attempt: number): string {
  return `${stepRunId}-${attempt}`;
}
