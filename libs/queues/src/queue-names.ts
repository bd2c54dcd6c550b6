// The queues of the platform itself and what every tenant job carries. A domain declares its own queue, job type and
// job schema in its lib (e.g. DELIVERIES_QUEUE in @conduit/webhooks) and registers the queue in its module.
import type { TenantId } from '@conduit/platform';

/**
 * maintenance: platform-wide housekeeping. Domains register their own queues in their libs (tasks in libs/tasks);
 * monitors schedule in PostgreSQL and need none.
 */
export const PLATFORM_QUEUES = ['maintenance'] as const;

/** Every tenant job carries its tenant; processors validate it (jobTenantId) and run inside runInTenant(). */
export interface TenantJob {
  tenant_id: TenantId;
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
