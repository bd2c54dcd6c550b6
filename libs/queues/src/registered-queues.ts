// Every BullMQ queue of this process, found among the providers rather than listed: a domain registers its queue in its
// own module (BullModule.registerQueue), and the dashboard, the metrics and the error listeners cover it from there.
import { Injectable } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { Queue } from 'bullmq';

@Injectable()
export class RegisteredQueues {
  private found: Queue[] | undefined;

  constructor(private readonly discovery: DiscoveryService) {}

  /** The queues, by name. Call it once providers are instantiated (from onModuleInit on, or after create()). */
  all(): Queue[] {
    this.found ??= [
      ...new Map(
        this.discovery
          .getProviders()
          .map((wrapper): unknown => wrapper.instance)
          .filter((instance): instance is Queue => instance instanceof Queue)
          .map((queue) => [queue.name, queue] as const),
      ).values(),
    ].sort((a, b) => a.name.localeCompare(b.name));
    return this.found;
  }
}
