import { DynamicModule, Global, Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import { BullModule } from '@nestjs/bullmq';
import type { ConnectionOptions } from 'bullmq';
import IORedis from 'ioredis';
import { CONDUIT_CONFIG, ConduitConfig } from '@conduit/platform';
import { QUEUE_NAMES } from './queue-names';
import { redisOptionsFromUrl } from './redis-connection';

export const REDIS_CLIENT = Symbol('REDIS_CLIENT');
export const InjectRedis = () => Inject(REDIS_CLIENT);

class RedisCloser implements OnApplicationShutdown {
  constructor(@InjectRedis() private readonly redis: IORedis) {}
  async onApplicationShutdown(): Promise<void> {
    await this.redis.quit().catch(() => undefined);
  }
}

/** BullMQ connection and every queue, plus one plain Redis client for health checks and small keys. */
@Global()
@Module({})
export class QueuesModule {
  static forRoot(): DynamicModule {
    return {
      module: QueuesModule,
      imports: [
        BullModule.forRootAsync({
          inject: [CONDUIT_CONFIG],
          useFactory: (config: ConduitConfig) => ({
            // bullmq declares its own (structurally narrower) copy of ioredis' option type
            connection: redisOptionsFromUrl(config.REDIS_URL) as ConnectionOptions,
            prefix: config.REDIS_PREFIX,
          }),
        }),
        BullModule.registerQueue(...QUEUE_NAMES.map((name) => ({ name }))),
      ],
      providers: [
        {
          provide: REDIS_CLIENT,
          inject: [CONDUIT_CONFIG],
          useFactory: (config: ConduitConfig) => {
            const client = new IORedis({ ...redisOptionsFromUrl(config.REDIS_URL), maxRetriesPerRequest: 1, keyPrefix: undefined });
            client.on('error', () => undefined);
            return client;
          },
        },
        RedisCloser,
      ],
      exports: [BullModule, REDIS_CLIENT],
    };
  }
}
