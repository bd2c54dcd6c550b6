import { Processor } from '@nestjs/bullmq';
import { DelayedError, Job } from 'bullmq';
import { CodedError, ConduitConfig, InjectConfig } from '@conduit/platform';
import { QueueProcessor, QueueRunOptions } from '@conduit/queues';
import { INGESTION_QUEUE, ingestionJobSchema } from './ingestion-job';
import { RoutingService } from './routing.service';

/** How long a routing job that met a database outage waits before it runs again. */
const DATABASE_OUTAGE_RETRY_MS = 5000;

// Routes accepted inbound requests to the outgoing fan-out, one job per batch of requests: the batch in one
// transaction, and when that fails each request on its own (RoutingService.routeAll); a failure is recorded on its
// row and the job fails after the others were routed, so BullMQ retries it with backoff (set when queued). Routing
// is idempotent per (request, generation), so the retry publishes nothing twice; the last attempt marks the requests
// still failing as failed (replayable).
@Processor(INGESTION_QUEUE, { autorun: false })
export class IngestionProcessor extends QueueProcessor {
  constructor(
    @InjectConfig() private readonly config: ConduitConfig,
    private readonly routing: RoutingService,
  ) {
    super('routing');
  }

  protected runOptions(): QueueRunOptions {
    return { concurrency: this.config.WORKER_CONCURRENCY * 4 };
  }

  async process(job: Job<unknown>, token?: string): Promise<void> {
    const { tenant_id, inbound_event_ids, generation } = this.payload(job, ingestionJobSchema);
    const final = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    let failures;
    try {
      failures = await this.routing.routeAll(tenant_id, inbound_event_ids, generation, final);
    } catch (err) {
      // The database is away: try again later without using up an attempt, or an outage longer than the backoff
      // would exhaust them and leave the requests unrouted (the failed job's id would keep the reconciler's out).
      if (token && this.database.notice(err)) {
        await job.moveToDelayed(Date.now() + DATABASE_OUTAGE_RETRY_MS, token);
        throw new DelayedError();
      }
      throw err;
    }
    const last = failures.at(-1);
    if (last) {
      const message = `${failures.length} of ${inbound_event_ids.length} could not be routed: ${last.error.message}`;
      throw new RoutingIncompleteError(message, { cause: last.error });
    }
  }
}

/** Some of a job's requests could not be routed: the job fails, to be tried again by its backoff. */
class RoutingIncompleteError extends CodedError<'routing_incomplete'> {
  readonly code = 'routing_incomplete';
}
