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

@Injectable()
export class DeliveryScheduler {
  constructor(@InjectQueue('deliveries') private readonly queue: Queue<DeliveryJob>) {}

  async enqueue(attempts: ScheduledAttempt[]): Promise<void> {
    if (attempts.length === 0) return;
    await this.queue.addBulk(
      attempts.map((a) => ({
        name: 'deliver',
        data: { tenant_id: a.tenantId, delivery_id: a.deliveryId, attempt: a.attempt },
        opts: {
          jobId: deliveryJobId(a.deliveryId, a.attempt),
          delay: Math.max(0, a.delayMs ?? 0),
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
