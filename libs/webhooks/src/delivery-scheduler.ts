// Puts delivery attempts on the deliveries queue. Rows are the truth; a job only says "look at this row now".
import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { DeliveryJob, deliveryJobId } from '@conduit/queues';

export interface ScheduledAttempt {
  tenantId: string;
  deliveryId: string;
  attempt: number;
  delayMs?: number;
}

/** Most deliveries one job carries (a publish's fan-out to this many subscriptions or fewer is one job). */
export const MAX_DELIVERIES_PER_JOB = 50;

@Injectable()
export class DeliveryScheduler {
  constructor(@InjectQueue('deliveries') private readonly queue: Queue<DeliveryJob>) {}

  /** Attempts due together (same tenant, attempt number and delay) share a job: one job per fan-out, not per delivery. */
  async enqueue(attempts: ScheduledAttempt[]): Promise<void> {
    if (attempts.length === 0) return;
    const groups = new Map<string, { tenantId: string; attempt: number; delayMs: number; ids: string[] }>();
    for (const a of attempts) {
      const delayMs = Math.max(0, a.delayMs ?? 0);
      const key = `${a.tenantId}/${a.attempt}/${delayMs}`;
      const group = groups.get(key) ?? { tenantId: a.tenantId, attempt: a.attempt, delayMs, ids: [] };
      group.ids.push(a.deliveryId);
      groups.set(key, group);
    }
    const jobs = [...groups.values()].flatMap((g) =>
      Array.from({ length: Math.ceil(g.ids.length / MAX_DELIVERIES_PER_JOB) }, (_, i) => ({ ...g, ids: g.ids.slice(i * MAX_DELIVERIES_PER_JOB, (i + 1) * MAX_DELIVERIES_PER_JOB) })),
    );
    await this.queue.addBulk(
      jobs.map((g) => ({
        name: 'deliver',
        data: { tenant_id: g.tenantId, delivery_ids: g.ids, attempt: g.attempt },
        opts: {
          jobId: deliveryJobId(g.ids, g.attempt),
          delay: g.delayMs,
          // Retries are scheduled by the delivery engine (per-subscription schedule), not by BullMQ.
          attempts: 1,
          // Gone once finished: the id then only dedupes jobs still waiting or running, and the attempt
          // history lives in PostgreSQL.
          removeOnComplete: true,
          removeOnFail: true,
        },
      })),
    );
  }
}
