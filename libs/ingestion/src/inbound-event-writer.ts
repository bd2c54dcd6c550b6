// Group commit for the receive path: requests arriving together are written in one multi-row INSERT per tenant
// and one transaction, and their routing jobs queued in one round trip. Each caller still learns its own outcome
// (accepted, or duplicate with the first request's id) only after the commit.
import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { TenantRoundTrip } from '@conduit/database';
import { InvariantError, QueueUnavailableError, TenantId } from '@conduit/platform';
import { RedisAvailability } from '@conduit/queues';
import { InboundEventEntity } from './entities/inbound-event.entity';
import { INGESTION_QUEUE, IngestionJob } from './ingestion-job';

export interface StoredInbound {
  id: string;
  receivedAt: Date;
  duplicate: boolean;
}

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
    private readonly trip: TenantRoundTrip,
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
      outcomes = await this.insert(tenantId, items);
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

  /**
   * One statement and one round trip for the whole batch (tenant setting, INSERT and commit in one message; the
   * commit is durable), the rows as one JSON array with base64 bodies rather than thousands of parameters.
   */
  private async insert(tenantId: TenantId, items: Pending[]): Promise<Map<string, StoredInbound>> {
    const rows = items.map(({ event: e }) => ({
      id: e.id,
      source_id: e.source_id,
      provider: e.provider,
      delivery_id: e.delivery_id,
      event_type: e.event_type,
      content_type: e.content_type,
      raw_body: e.raw_body.toString('base64'),
      headers: e.headers,
      source_ip: e.source_ip,
      payload_size: e.payload_size,
      received_at: e.received_at.toISOString(),
    }));
    const inserted = await this.trip.query<{ id: string; received_at: Date }>(
      tenantId,
      `INSERT INTO inbound_events
         (id, tenant_id, source_id, provider, delivery_id, event_type, content_type, raw_body, headers, source_ip, payload_size, received_at)
       SELECT r.id, $2, r.source_id, r.provider, r.delivery_id, r.event_type, r.content_type, decode(r.raw_body, 'base64'), r.headers,
              r.source_ip, r.payload_size, r.received_at
         FROM jsonb_to_recordset($1::jsonb) AS r(id uuid, source_id uuid, provider text, delivery_id text, event_type text,
              content_type text, raw_body text, headers jsonb, source_ip text, payload_size integer, received_at timestamptz)
       ON CONFLICT DO NOTHING
       RETURNING id, received_at`,
      [JSON.stringify(rows), tenantId],
      { durable: true },
    );
    const outcomes = new Map<string, StoredInbound>(
      inserted.map((r) => [r.id, { id: r.id, receivedAt: new Date(r.received_at), duplicate: false }]),
    );
    const losers = items.filter((i) => !outcomes.has(i.event.id));
    if (losers.length > 0) {
      // Repeats of a delivery id (earlier, or twice in this batch): answer with the first request's id.
      const keys = losers.map((i) => [i.event.source_id, i.event.delivery_id] as const);
      const firsts = await this.trip.query<{ id: string; received_at: Date; source_id: string; delivery_id: string }>(
        tenantId,
        `SELECT e.id, e.received_at, e.source_id, e.delivery_id FROM inbound_events e
           JOIN jsonb_to_recordset($1::jsonb) AS k(source_id uuid, delivery_id text) ON e.source_id = k.source_id AND e.delivery_id = k.delivery_id`,
        [JSON.stringify(keys.map(([source_id, delivery_id]) => ({ source_id, delivery_id })))],
        { durable: true },
      );
      for (const loser of losers) {
        const first = firsts.find(
          (f) => f.source_id === loser.event.source_id && f.delivery_id === loser.event.delivery_id,
        );
        if (!first)
          throw new InvariantError(
            'conflicting_row_missing',
            'an inbound request conflicted with a row that cannot be found',
          );
        outcomes.set(loser.event.id, { id: first.id, receivedAt: new Date(first.received_at), duplicate: true });
      }
    }
    return outcomes;
  }
}
