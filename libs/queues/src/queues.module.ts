import { DynamicModule, Global, Module, OnApplicationShutdown } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { BullModule } from '@nestjs/bullmq';
import type { ConnectionOptions } from 'bullmq';
import IORedis from 'ioredis';
import { CONDUIT_CONFIG, ConduitConfig } from '@conduit/platform';
import { PLATFORM_QUEUES } from './queue-names';
import { QueueErrorListeners } from './queue-error-listeners';
import { RedisAvailability } from './redis-availability';
import { InjectRedis, REDIS_CLIENT, createRedisClient } from './redis-client';
import { redisOptionsFromUrl } from './redis-connection';
import { RegisteredQueues } from './registered-queues';
// Registers the queues subjects, their API-key scopes and each role's rules with @conduit/access.
import './queues.access';

class RedisCloser implements OnApplicationShutdown {
  constructor(@InjectRedis() private readonly redis: IORedis) {}
  async onApplicationShutdown(): Promise<void> {
    await this.redis.quit().catch(() => undefined);
  }
}

/**
 * BullMQ connection and the platform's queues (a domain registers its own in its module), plus one plain Redis client
 * for health checks and small keys, and the watch on Redis that lets the process carry on while it is away
 * (RedisAvailability).
 */
@Global()
@Module({})
export class QueuesModule {
  static forRoot(): DynamicModule {
    return {
      module: QueuesModule,
      imports: [
        DiscoveryModule,
        BullModule.forRootAsync({
          inject: [CONDUIT_CONFIG],
          useFactory: (config: ConduitConfig) => ({
            // bullmq declares its own (structurally narrower) copy of ioredis' option type
            connection: redisOptionsFromUrl(config.REDIS_URL) as ConnectionOptions,
            prefix: config.REDIS_PREFIX,
          }),
        }),
        BullModule.registerQueue(...PLATFORM_QUEUES.map((name) => ({ name }))),
      ],
      providers: [
        {
          provide: REDIS_CLIENT,
          inject: [CONDUIT_CONFIG],
          useFactory: (config: ConduitConfig) => createRedisClient(config.REDIS_URL),
        },
        RedisCloser,
        RedisAvailability,
        RegisteredQueues,
        QueueErrorListeners,
      ],
      exports: [BullModule, REDIS_CLIENT, RedisAvailability, RegisteredQueues],
    };
  }
}
