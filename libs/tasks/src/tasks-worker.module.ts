import { Module, Provider } from '@nestjs/common';
import IORedis from 'ioredis';
import { CONDUIT_CONFIG, ConduitConfig } from '@conduit/platform';
import { REDIS_CLIENT, RedisAvailability } from '@conduit/queues';
import { IntegrationsModule } from '@conduit/integrations';
import { SecretsModule } from '@conduit/secrets';
import { TenantsModule } from '@conduit/tenants';
import { WebhooksModule } from '@conduit/webhooks';
import { InstanceHealthChecker, InstanceHealthTimer } from './engine/instance-health';
import { TaskHttpClient } from './engine/task-http-client';
import { TaskRunMetrics } from './engine/task-run-metrics';
import { TaskRunProcessor } from './engine/task-run.processor';
import { TaskRunReconcileTimer, TaskRunReconciler } from './engine/task-run-reconciler';
import { TaskRunRetention } from './engine/task-run-retention';
import { TaskRunner } from './engine/task-runner';
import { InstanceRateLimiter } from './runs/instance-rate-limiter';
import { OAuth2TokenCache } from './runs/oauth2-tokens';
import { TasksModule } from './tasks.module';

/** One limiter per process, on the process's Redis connection and key prefix. */
const rateLimiter: Provider = {
  provide: InstanceRateLimiter,
  useFactory: (redis: IORedis, config: ConduitConfig, availability: RedisAvailability) =>
    new InstanceRateLimiter(redis, { keyPrefix: config.REDIS_PREFIX, availability }),
  inject: [REDIS_CLIENT, CONDUIT_CONFIG, RedisAvailability],
};

/** One OAuth2 token cache per process, shared by task runs, health checks and case ingestion. */
const tokenCache: Provider = {
  provide: OAuth2TokenCache,
  useFactory: (http: TaskHttpClient) => new OAuth2TokenCache(http),
  inject: [TaskHttpClient],
};

/** The executor's module: what runs tasks (the tasks queue's processor, or inline for chains' task steps). */
@Module({
  imports: [TasksModule, IntegrationsModule, TenantsModule, SecretsModule, WebhooksModule],
  providers: [
    TaskRunner,
    TaskHttpClient,
    TaskRunMetrics,
    rateLimiter,
    tokenCache,
    TaskRunReconciler,
    TaskRunRetention,
    InstanceHealthChecker,
  ],
  exports: [
    TasksModule,
    TaskRunner,
    TaskRunReconciler,
    TaskRunRetention,
    InstanceHealthChecker,
    TaskHttpClient,
    InstanceRateLimiter,
    OAuth2TokenCache,
  ],
})
export class TaskEngineModule {}

/** Tasks' part of the worker: the tasks queue's processor and reconcile timer over the executor. */
@Module({
  imports: [TaskEngineModule],
  providers: [TaskRunProcessor, TaskRunReconcileTimer, InstanceHealthTimer],
  exports: [TaskEngineModule],
})
export class TasksWorkerModule {}
