import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_INTERCEPTOR } from '@nestjs/core';
import { TerminusModule } from '@nestjs/terminus';
import { ThrottlerModule } from '@nestjs/throttler';
import { LoggerModule } from 'nestjs-pino';
import { AccessModule } from '@conduit/access';
import { AuditModule } from '@conduit/audit';
import { AuthModule } from '@conduit/auth';
import { DatabaseModule } from '@conduit/database';
import { ConduitConfig, ConfigModule, PlatformModule } from '@conduit/platform';
import { QueuesModule, REDIS_CLIENT, RedisAvailability } from '@conduit/queues';
import type IORedis from 'ioredis';
import { TenantsModule } from '@conduit/tenants';
import { WebhooksModule } from '@conduit/webhooks';
import { IngestionModule } from '@conduit/ingestion';
import { ChainsModule } from '@conduit/chains';
import { AuditEventsController } from './audit/audit-events.controller';
import { ApiKeysController } from './auth/api-keys.controller';
import { AuthController } from './auth/auth.controller';
import { HealthController } from './health/health.controller';
import { AuthenticationGuard } from './http/authentication.guard';
import { CallerThrottlerGuard } from './http/caller-throttler.guard';
import { ConduitExceptionFilter } from './http/exception.filter';
import { loggerParams } from './http/logging';
import { PoliciesGuard } from './http/policies.guard';
import { RedisThrottlerStorage } from './http/redis-throttler-storage';
import { RequestTransactionInterceptor } from './http/request-transaction.interceptor';
import { HttpMetrics } from './metrics/http-metrics';
import { MetricsController } from './metrics/metrics.controller';
import { TenantsController } from './tenants/tenants.controller';
import { UsersController } from './users/users.controller';
import { InboundEventsController } from './ingestion/inbound-events.controller';
import { SourcesController } from './ingestion/sources.controller';
import { AnalyticsController } from './webhooks/analytics.controller';
import { DeliveriesController } from './webhooks/deliveries.controller';
import { EventsController } from './webhooks/events.controller';
import { SeedWebhooksController } from './webhooks/seed-webhooks.controller';
import { SubscriptionsController } from './webhooks/subscriptions.controller';
import { ChainRunsController } from './chains/chain-runs.controller';
import { ChainAnalyticsController } from './chains/chain-analytics.controller';
import { ChainsController } from './chains/chains.controller';
import { QueueBoardController } from './queue-board/queue-board.controller';
import { CredentialsController } from './chains/credentials.controller';

@Module({})
export class ApiModule {
  static forRoot(config: ConduitConfig): DynamicModule {
    return {
      module: ApiModule,
      imports: [
        ConfigModule.forRoot(config),
        PlatformModule,
        LoggerModule.forRoot(loggerParams(config, 'conduit-api')),
        DatabaseModule.forRoot({ cls: { middleware: { mount: true } }, applicationName: 'conduit-api' }),
        QueuesModule.forRoot(),
        // Counters in Redis: the limit holds across API replicas.
        ThrottlerModule.forRootAsync({
          inject: [REDIS_CLIENT, RedisAvailability],
          useFactory: (redis: IORedis, availability: RedisAvailability) => ({
            throttlers: [{ name: 'default', ttl: 60_000, limit: config.RATE_LIMIT_PER_MINUTE }],
            storage: new RedisThrottlerStorage(config, redis, availability),
          }),
        }),
        // A readiness probe comes every few seconds and its answer carries the details: terminus logging each failed
        // one would repeat an outage per probe. Outages are logged once by whatever watches the dependency.
        TerminusModule.forRoot({ logger: false }),
        AccessModule,
        AuditModule,
        TenantsModule,
        AuthModule,
        WebhooksModule,
        IngestionModule,
        ChainsModule,
      ],
      controllers: [
        AuthController,
        ApiKeysController,
        TenantsController,
        UsersController,
        AuditEventsController,
        SeedWebhooksController,
        SubscriptionsController,
        EventsController,
        DeliveriesController,
        AnalyticsController,
        SourcesController,
        InboundEventsController,
        ChainsController,
        ChainRunsController,
        CredentialsController,
        ChainAnalyticsController,
        QueueBoardController,
        HealthController,
        MetricsController,
      ],
      providers: [
        // Guard order matters: who is calling, then how often, then may they.
        { provide: APP_GUARD, useClass: AuthenticationGuard },
        { provide: APP_GUARD, useClass: CallerThrottlerGuard },
        { provide: APP_GUARD, useClass: PoliciesGuard },
        { provide: APP_INTERCEPTOR, useClass: RequestTransactionInterceptor },
        { provide: APP_FILTER, useClass: ConduitExceptionFilter },
        HttpMetrics,
      ],
    };
  }
}
