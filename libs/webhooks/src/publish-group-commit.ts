// The API's publishes, group-committed: concurrent publishes are gathered (GroupCommitQueue) and each tenant's batch
// is written in two round trips, a read and one durable write of every new event, its deliveries and every publish's
// audit row, instead of a request transaction of several round trips per publish. Each caller is answered once the
// write committed (and its deliveries' jobs were handed to Redis), with its own outcome. A batch with events that may
// start chains (the hooks' probes say which) is published in one transaction that runs the hooks for those events
// (EventPublisher), with its audit rows.
import { Injectable, Logger } from '@nestjs/common';
import { ClsService } from 'nestjs-cls';
import { Counter, Histogram } from 'prom-client';
import { AccessService } from '@conduit/access';
import { AuditEntry, AuditLog } from '@conduit/audit';
import { TenantContext, isDatabaseUnavailable } from '@conduit/database';
import {
  Clock,
  IdGenerator,
  InvariantError,
  MetricsRegistry,
  QueueUnavailableError,
  TenantId,
} from '@conduit/platform';
import { DeliveryScheduler } from './delivery-scheduler';
import { PublishedEventResponse } from './dto/event.dto';
import { EventEntity } from './entities/event.entity';
import { EventHooks } from './event-hooks';
import { matchesFilter, matchingPatterns } from './event-matching';
import { EventPublisher } from './event-publisher';
import { GroupCommitQueue } from './group-commit-queue';
import {
  FreshEvent,
  MAX_IDEMPOTENCY_RACES,
  PublishInput,
  firstAttempts,
  holdsKey,
  planPublish,
  publishedAnswer,
} from './publish-plan';
import { FanOutCandidate, PublishGroupRepository } from './repositories/publish-group.repository';
import { WebhookException } from './webhook.exception';

/** One publish through the API: what to publish, and its audit row (written with it; the target is set here). */
export interface GroupedPublish {
  input: PublishInput;
  audit: AuditEntry;
}

/** Like the receive path's InboundEventWriter: a flush starts at this many publishes without waiting for the turn. */
const EARLY_FLUSH = 32;
const MAX_BATCH = 500;
/** Payload bytes of one flush (each payload travels twice: the event and its audit row's changes). */
const MAX_BATCH_BYTES = 4 * 1024 * 1024;
const MAX_PARALLEL_FLUSHES = 8;

type Path = 'group' | 'transaction';

@Injectable()
export class PublishGroupCommit {
  private readonly logger = new Logger(PublishGroupCommit.name);
  private readonly queue: GroupCommitQueue<GroupedPublish, PublishedEventResponse>;
  private readonly batches: Histogram<'path'>;
  private readonly splits: Counter;

  constructor(
    private readonly access: AccessService,
    private readonly db: TenantContext,
    private readonly store: PublishGroupRepository,
    private readonly publisher: EventPublisher,
    private readonly hooks: EventHooks,
    private readonly audit: AuditLog,
    private readonly scheduler: DeliveryScheduler,
    private readonly ids: IdGenerator,
    private readonly clock: Clock,
    cls: ClsService,
    { registry }: MetricsRegistry,
  ) {
    this.batches = new Histogram({
      name: 'conduit_publish_batch_events',
      help: 'Publishes committed together by the API (group: one round trip for the write; transaction: hooks ran)',
      labelNames: ['path'] as const,
      buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512],
      registers: [registry],
    });
    this.splits = new Counter({
      name: 'conduit_publish_batch_splits_total',
      help: 'Publish batches that failed and were committed again in halves, to fail only the publishes at fault',
      registers: [registry],
    });
    this.queue = new GroupCommitQueue((tenantId, items) => this.commit(tenantId, items), {
      earlyFlush: EARLY_FLUSH,
      maxBatch: MAX_BATCH,
      maxBatchBytes: MAX_BATCH_BYTES,
      maxParallelFlushes: MAX_PARALLEL_FLUSHES,
      sizeOf: (p) => JSON.stringify(p.input.payload ?? null).length,
      divisible: (err) => !isDatabaseUnavailable(err),
      detach: (flush) => cls.exit(flush),
      observe: { split: () => this.splits.inc() },
    });
  }

  /**
   * API entry, outside any transaction (a route with @OwnTransactions): checks the caller may publish in the acting
   * tenant, then commits the publish with others arriving at the same time, and `audit` (its success row; the target
   * is set to the event answered) with it. Answers once committed, with this publish's own outcome: new, a duplicate
   * of an idempotency key, or its own error.
   */
  publish(input: PublishInput, audit: AuditEntry): Promise<PublishedEventResponse> {
    const tenantId = this.access.tenant().id;
    this.access.assert('create', 'Event', { tenant_id: tenantId });
    if (audit.tenantId !== tenantId)
      throw new InvariantError('audit_tenant_mismatch', 'the audit row of a publish belongs to its tenant');
    return this.queue.submit(tenantId, { input, audit });
  }

  /** One tenant's batch; answers in order. */
  private async commit(tenantId: TenantId, items: GroupedPublish[]): Promise<PublishedEventResponse[]> {
    const inputs = items.map((i) => i.input);
    const names = [...new Set(inputs.map((i) => i.event_name))];
    const keys = [...new Set(inputs.map((i) => i.idempotency_key).filter((k): k is string => !!k))];
    const patterns = [...new Set(names.flatMap((n) => matchingPatterns(n)))];
    const probes = this.hooks.probes(tenantId, names);
    if (probes === null) return this.inTransaction(tenantId, items);
    for (let racesLeft = MAX_IDEMPOTENCY_RACES; ; racesLeft--) {
      const now = this.clock.now();
      const read = await this.store.read(tenantId, keys, patterns, probes);
      if (inputs.some((i) => read.hooked.has(i.event_name))) return this.inTransaction(tenantId, items, read.hooked);
      const live = new Map<string, EventEntity>();
      const expired: string[] = [];
      for (const e of read.keyed) {
        if (holdsKey(e, now)) live.set(e.idempotency_key as string, e);
        else expired.push(e.id);
      }
      const { outcomes, fresh } = planPublish(
        tenantId,
        inputs,
        live,
        (i) => targets(read.candidates, i),
        now,
        this.ids,
      );
      const audit = this.audit.statement(items.map((item, i) => audited(item, outcomes[i].event.id)));
      if (await this.store.write(tenantId, expired, fresh, audit)) {
        this.batches.observe({ path: 'group' satisfies Path }, items.length);
        await this.enqueue(tenantId, fresh);
        return outcomes.map(publishedAnswer);
      }
      if (racesLeft === 0) {
        throw new WebhookException(
          'idempotency_conflict',
          'Idempotency keys of this request are being published concurrently; retry',
        );
      }
    }
  }

  /**
   * In one transaction with the audit rows, running the hooks (for the events of the `hooked` names when given); the
   * jobs are queued once it committed.
   */
  private async inTransaction(
    tenantId: TenantId,
    items: GroupedPublish[],
    hooked?: ReadonlySet<string>,
  ): Promise<PublishedEventResponse[]> {
    const answers = await this.db.runInTenant(tenantId, async () => {
      const published = await this.publisher.publishBatch(
        tenantId,
        items.map((i) => i.input),
        { hooked },
      );
      await this.audit.recordMany(
        tenantId,
        items.map((item, i) => audited(item, published[i].id)),
      );
      return published;
    });
    this.batches.observe({ path: 'transaction' satisfies Path }, items.length);
    return answers;
  }

  /**
   * After commit, as TenantContext.afterCommit does: a failure is logged (not while Redis is away: that is logged once)
   * and left to the reconciler.
   */
  private async enqueue(tenantId: TenantId, fresh: FreshEvent[]): Promise<void> {
    const jobs = firstAttempts(tenantId, fresh);
    if (jobs.length === 0) return;
    try {
      await this.scheduler.enqueue(jobs);
    } catch (err) {
      if (err instanceof QueueUnavailableError) return;
      this.logger.warn(`after-commit work failed (reconciliation will retry it): ${(err as Error).message}`);
    }
  }
}

/** The subscriptions an input reaches among the batch's candidates: one of its patterns, and the filter. */
function targets(candidates: FanOutCandidate[], input: PublishInput): FanOutCandidate[] {
  const patterns = new Set(matchingPatterns(input.event_name));
  return candidates.filter((s) => s.event_types.some((t) => patterns.has(t)) && matchesFilter(s.filter, input.payload));
}

function audited({ audit }: GroupedPublish, eventId: string): AuditEntry {
  return { ...audit, target: { type: audit.target?.type ?? 'Event', id: eventId } };
}
