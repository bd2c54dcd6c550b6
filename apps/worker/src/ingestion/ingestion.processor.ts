import { BeforeApplicationShutdown, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import { Job, UnrecoverableError } from 'bullmq';
import { z } from 'zod';
import { RoutingService } from '@conduit/ingestion';
import { ConduitConfig, InjectConfig } from '@conduit/platform';
import type { IngestionJob } from '@conduit/queues';

const ingestionJobSchema: z.ZodType<IngestionJob> = z.object({
  tenant_id: z.string().uuid(),
  inbound_event_id: z.string().uuid(),
  generation: z.number().int().min(0),
});

// Routes accepted inbound requests to the outgoing fan-out. BullMQ retries failures with backoff (set when
// queued); each failure is recorded on the row, and the last one marks it failed (still replayable).
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
    const { tenant_id, inbound_event_id, generation } = parsed.data;
    try {
      await this.routing.route(tenant_id, inbound_event_id, generation);
    } catch (err) {
      const final = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      await this.routing.recordFailure(tenant_id, inbound_event_id, (err as Error).message, final);
      throw err;
    }
  }

  @OnWorkerEvent('failed')
  onFailed(job: Job | undefined, err: Error): void {
    this.logger.warn({ job_id: job?.id, err: err.message }, 'routing failed');
  }
}
