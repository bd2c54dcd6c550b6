// Group commit for the receive path: requests arriving together are written in one multi-row INSERT per tenant
// and one transaction, and their routing jobs queued in one round trip. Each caller still learns its own outcome
// (accepted, or duplicate with the first request's id) only after the commit.
import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { QueueUnavailableError, TenantId } from '@conduit/platform';
import { RedisAvailability } from '@conduit/queues';
import { InboundEventEntity } from './entities/inbound-event.entity';
import { INGESTION_QUEUE, IngestionJob } from './ingestion-job';
import { InboundEventsRepository, StoredInbound } from './repositories/inbound-events.repository';

interface Pending {
  event: InboundEventEntity;
  resolve: (stored: StoredInbound) => void;
  reject: (err: unknown) => void;
}

const MAX_BATCH = 500;
const MAX_PARALLEL_FLUSHES = 8;
/** Batch size at which a flush starts without waiting for the end of the event loop turn. */
const EARLY_FLUSH = 32;

/** Most requests routed by one job (a batch of the receive path, a chunk of a replay or of the reconciler). */
export const MAX_ROUTING_JOB_EVENTS = 100;

export function routingJob(tenantId: TenantId, inboundEventIds: string[], generation = 0) {
  const [first] = inboundEventIds;
  const key = inboundEventIds.length === 1 ? first : `${first}+${inboundEventIds.length - 1}`;
  return {
    name: 'route',
    data: { tenant_id: tenantId, inbound_event_ids: inboundEventIds, generation } satisfies IngestionJob,
    opts: {
      jobId: generation ? `${key}-${generation}` : key,
      attempts: 8,
      backoff: { type: 'exponential' as const, delay: 1000 },
      removeOnComplete: true,
      removeOnFail: { age: 7 * 86400 },
    },
  };
}

@Injectable()
export class InboundEventWriter {
  private readonly logger = new Logger(InboundEventWriter.name);
  private queued: Pending[] = [];
  private flushes = 0;
  private scheduled = false;

  constructor(
    private readonly events: InboundEventsRepository,
    @InjectQueue(INGESTION_QUEUE) private readonly queue: Queue<IngestionJob>,
    private readonly redis: RedisAvailability,
  ) {}

  write(event: InboundEventEntity): Promise<StoredInbound> {
    return new Promise((resolve, reject) => {
      this.queued.push({ event, resolve, reject });
      // A full batch goes at once, so the database works on it while this process takes the next requests;
      // a partial one waits for the end of this turn of the event loop, so requests of one burst share it.
      if (this.queued.length >= EARLY_FLUSH && this.flushes < MAX_PARALLEL_FLUSHES) this.flushNow();
      else this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.flushes >= MAX_PARALLEL_FLUSHES || this.queued.length === 0) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.flushNow();
    });
  }

  private flushNow(): void {
    const batch = this.queued.splice(0, MAX_BATCH);
    if (batch.length === 0) return;
    this.flushes += 1;
    void this.flush(batch).finally(() => {
      this.flushes -= 1;
      this.schedule();
    });
    this.schedule();
  }

  private async flush(batch: Pending[]): Promise<void> {
    const byTenant = new Map<TenantId, Pending[]>();
    for (const item of batch) {
      const list = byTenant.get(item.event.tenant_id) ?? [];
      list.push(item);
      byTenant.set(item.event.tenant_id, list);
    }
    await Promise.all([...byTenant.entries()].map(([tenantId, items]) => this.flushTenant(tenantId, items)));
  }

  private async flushTenant(tenantId: TenantId, items: Pending[]): Promise<void> {
    let outcomes: Map<string, StoredInbound>;
    try {
      outcomes = await this.events.insertBatch(
        tenantId,
        items.map((item) => item.event),
      );
    } catch (err) {
      for (const item of items) item.reject(err);
      return;
    }
    // Committed: each caller may answer now. The routing jobs are queued after commit (a job must never point at a
    // row that may still roll back) and the flush slot is held until Redis took them, so a slow Redis slows the
    // batches down instead of piling up jobs in memory; the reconciler covers a lost add. While Redis is away the add
    // fails at once, and a Redis that stops answering holds the slot for REDIS_CALL_TIMEOUT_MS at most.
    for (const item of items) item.resolve(outcomes.get(item.event.id) as StoredInbound);
    const fresh = items.filter((item) => !outcomes.get(item.event.id)?.duplicate).map((item) => item.event.id);
    const jobs: ReturnType<typeof routingJob>[] = [];
    for (let i = 0; i < fresh.length; i += MAX_ROUTING_JOB_EVENTS)
      jobs.push(routingJob(tenantId, fresh.slice(i, i + MAX_ROUTING_JOB_EVENTS)));
    await this.redis
      .call('queueing routing', () => this.queue.addBulk(jobs))
      .catch((err: unknown) => {
        // An outage is logged once by RedisAvailability, not per batch.
        if (err instanceof QueueUnavailableError) return;
        this.logger.warn(
          { err: (err as Error).message, count: fresh.length },
          'could not queue routing; the reconciler will',
        );
      });
  }
}
