import { BeforeApplicationShutdown, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import { Job, UnrecoverableError } from 'bullmq';
import { z } from 'zod';
import { RoutingService } from '@conduit/ingestion';
import { ConduitConfig, InjectConfig } from '@conduit/platform';
import type { IngestionJob } from '@conduit/queues';

// Jobs queued before routing was batched carry one `inbound_event_id`; they are still routed after an upgrade.
const ingestionJobSchema: z.ZodType<IngestionJob> = z.union([
  z.object({ tenant_id: z.uuid(), inbound_event_ids: z.array(z.uuid()).min(1), generation: z.number().int().min(0) }),
  z
    .object({ tenant_id: z.uuid(), inbound_event_id: z.uuid(), generation: z.number().int().min(0) })
    .transform(({ inbound_event_id, ...rest }) => ({ ...rest, inbound_event_ids: [inbound_event_id] })),
]);

// Routes accepted inbound requests to the outgoing fan-out, one job per batch of requests. Each request is routed
// on its own (its own transaction); a failure is recorded on its row and the job fails after the others were
// routed, so BullMQ retries it with backoff (set when queued). Routing is idempotent per (request, generation),
// so the retry publishes nothing twice; the last attempt marks the requests still failing as failed (replayable).
@Processor('ingestion', { autorun: false })
export class IngestionProcessor extends WorkerHost implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(IngestionProcessor.name);

  constructor(
    @InjectConfig() private readonly config: ConduitConfig,
    private readonly routing: RoutingService,
  ) {
    super();
  }

  onApplicationBootstrap(): void {
    this.worker.concurrency = this.config.WORKER_CONCURRENCY * 4;
    this.worker.run().catch((err: unknown) => this.logger.error({ err: (err as Error).message }, 'ingestion worker stopped'));
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.worker.close();
  }

  async process(job: Job<unknown>): Promise<void> {
    const parsed = ingestionJobSchema.safeParse(job.data);
    if (!parsed.success) throw new UnrecoverableError(`invalid ingestion job: ${parsed.error.message}`);
    const { tenant_id, inbound_event_ids, generation } = parsed.data;
    const final = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    let failed = 0;
    let lastError: Error | null = null;
    for (const id of inbound_event_ids) {
      try {
        await this.routing.route(tenant_id, id, generation);
      } catch (err) {
        failed += 1;
        lastError = err as Error;
        await this.routing.recordFailure(tenant_id, id, lastError.message, final);
      }
    }
    if (lastError) throw new Error(`${failed} of ${inbound_event_ids.length} could not be routed: ${lastError.message}`);
  }

  @OnWorkerEvent('failed')
  onFailed(job: Job | undefined, err: Error): void {
    this.logger.warn({ job_id: job?.id, err: err.message }, 'routing failed');
  }
}
