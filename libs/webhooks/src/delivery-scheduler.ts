// Puts delivery attempts on the deliveries queue. Rows are the truth; a job only says "look at this row now".
import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { QueueUnavailableError } from '@conduit/platform';
import { RedisAvailability } from '@conduit/queues';
import { DELIVERIES_QUEUE, DeliveryJob, deliveryJobId } from './delivery-job';
import type { TenantId } from '@conduit/platform';

export interface ScheduledAttempt {
  tenantId: TenantId;
  deliveryId: string;
  attempt: number;
  delayMs?: number;
}

/** Most deliveries one job carries (a publish's fan-out to this many subscriptions or fewer is one job). */
export const MAX_DELIVERIES_PER_JOB = 50;

@Injectable()
export class DeliveryScheduler {
  constructor(
    @InjectQueue(DELIVERIES_QUEUE) private readonly queue: Queue<DeliveryJob>,
    private readonly redis: RedisAvailability,
  ) {}

  /**
   * Attempts due together (same tenant, attempt number and delay) share a job: one job per fan-out, not per delivery.
   */
  enqueue(attempts: ScheduledAttempt[]): Promise<void> {
    return this.add(attempts, MAX_DELIVERIES_PER_JOB);
  }

  /**
   * For the reconciler: one job per delivery, so its id (`<delivery>-<attempt>`) is the same however the due rows of
   * a run happen to be grouped. A row re-queued again by the next run while its job still waits is then deduplicated
   * by BullMQ, instead of riding in a new group job under a new id (which, when the worker is far behind, would add a
   * job per run that claims nothing).
   */
  requeue(attempts: ScheduledAttempt[]): Promise<void> {
    return this.add(attempts, 1);
  }

  /**
   * Runs one delivery's next attempt now rather than when it is due: its own job still waiting out a delay (a retry's
   * backoff, `<delivery>-<attempt>`) is promoted; otherwise a job of its own is added (one riding in a fan-out job then
   * claims nothing when that job runs).
   */
  async expedite(a: Omit<ScheduledAttempt, 'delayMs'>): Promise<void> {
    const job = await this.redis.call('finding a delivery job', () =>
      this.queue.getJob(deliveryJobId([a.deliveryId], a.attempt)),
    );
    if (job && (await job.isDelayed())) {
      // Refused when the job left the delayed set meanwhile: then it is running or about to, which is what was asked.
      await this.redis
        .call('promoting a delivery job', () => job.promote())
        .catch((err: unknown) => {
          if (err instanceof QueueUnavailableError) throw err;
        });
      return;
    }
    await this.add([a], 1);
  }

  private async add(attempts: ScheduledAttempt[], perJob: number): Promise<void> {
    if (attempts.length === 0) return;
    const groups = new Map<string, { tenantId: TenantId; attempt: number; delayMs: number; ids: string[] }>();
    for (const a of attempts) {
      const delayMs = Math.max(0, a.delayMs ?? 0);
      const key = `${a.tenantId}/${a.attempt}/${delayMs}`;
      const group = groups.get(key) ?? { tenantId: a.tenantId, attempt: a.attempt, delayMs, ids: [] };
      group.ids.push(a.deliveryId);
      groups.set(key, group);
    }
    const jobs = [...groups.values()].flatMap((g) =>
      Array.from({ length: Math.ceil(g.ids.length / perJob) }, (_, i) => ({
        ...g,
        ids: g.ids.slice(i * perJob, (i + 1) * perJob),
      })),
    );
    // While Redis is away this fails at once (QueueUnavailableError): the rows wait for the reconciler.
    const bulk = jobs.map((g) => ({
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
    }));
    await this.redis.call('queueing deliveries', () => this.queue.addBulk(bulk));
  }
}
