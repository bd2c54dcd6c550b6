import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { ThrottlerModule } from '@nestjs/throttler';
import { LoggerModule } from 'nestjs-pino';
import type IORedis from 'ioredis';
import { AccessModule } from '@conduit/access';
import { AuditApiModule, AuditModule } from '@conduit/audit';
import { AuthApiModule } from '@conduit/auth';
import { ChainsApiModule } from '@conduit/chains';
import { DatabaseModule, migrationsOf } from '@conduit/database';
import { IngestionApiModule } from '@conduit/ingestion';
import { IntegrationsApiModule } from '@conduit/integrations';
import { IsolationApiModule } from '@conduit/isolation';
import { LicensingApiModule } from '@conduit/licensing';
import { MonitorsApiModule } from '@conduit/monitors';
import { CasesApiModule } from '@conduit/cases';
import { ConduitConfig, ConfigModule, PlatformModule, TenantId } from '@conduit/platform';
import { QueuesModule, REDIS_CLIENT, RedisAvailability } from '@conduit/queues';
import { ScimApiModule } from '@conduit/scim';
import { SsoApiModule } from '@conduit/sso';
import { TasksApiModule } from '@conduit/tasks';
import { TenantsApiModule } from '@conduit/tenants';
import { TransferApiModule } from '@conduit/transfer';
import { WebhooksApiModule } from '@conduit/webhooks';
import { AuthenticationGuard } from './http/authentication.guard';
import { CallerThrottlerGuard } from './http/caller-throttler.guard';
import { ConduitExceptionFilter } from './http/exception.filter';
import { loggerParams } from './http/logging';
import { PoliciesGuard } from './http/policies.guard';
import { RedisThrottlerStorage } from './http/redis-throttler-storage';
import { RequestTransaction } from './http/request-transaction';
import { OperationsModule } from './operations.module';

/**
 * The domains the API serves, one module each: its routes over its services (and, through them, its permissions,
 * queues and migrations). In this order their routes appear in the OpenAPI document.
 */
export const API_DOMAINS = [
  AuthApiModule,
  SsoApiModule,
  ScimApiModule,
  TenantsApiModule,
  IsolationApiModule,
  AuditApiModule,
  WebhooksApiModule,
  IngestionApiModule,
  ChainsApiModule,
  LicensingApiModule,
  IntegrationsApiModule,
  TasksApiModule,
  MonitorsApiModule,
  CasesApiModule,
  TransferApiModule,
];

/**
 * The migrations of those domains (and of the domains they use), which the platform's own precede. The API composes
 * every domain, so this is the whole schema: what `migrate`, `npm start` and the tests run too.
 */
export const API_MIGRATIONS = migrationsOf(API_DOMAINS);

@Module({})
export class ApiModule {
  /** dedicatedToMigrate: migrateOnStart's answer (DatabaseModuleOptions.dedicatedToMigrate). */
  static forRoot(config: ConduitConfig, dedicatedToMigrate: readonly TenantId[] = []): DynamicModule {
    return {
      module: ApiModule,
      imports: [
        ConfigModule.forRoot(config),
        PlatformModule,
        LoggerModule.forRoot(loggerParams(config, 'conduit-api')),
        // Each request's CLS context is entered by the HTTP server's listener (http/request-scope.ts): no middleware.
        DatabaseModule.forRoot({ applicationName: 'conduit-api', migrations: API_MIGRATIONS, dedicatedToMigrate }),
        QueuesModule.forRoot(),
        // Counters in Redis: the limit holds across API replicas.
        ThrottlerModule.forRootAsync({
          inject: [REDIS_CLIENT, RedisAvailability],
          useFactory: (redis: IORedis, availability: RedisAvailability) => ({
            throttlers: [{ name: 'default', ttl: 60_000, limit: config.RATE_LIMIT_PER_MINUTE }],
            storage: new RedisThrottlerStorage(config, redis, availability),
          }),
        }),
        AccessModule,
        // The guards and the request interceptor audit through it.
        AuditModule,
        ...API_DOMAINS,
        OperationsModule,
      ],
      providers: [
        // Guard order matters: who is calling, then how often, then may they.
        { provide: APP_GUARD, useClass: AuthenticationGuard },
        { provide: APP_GUARD, useClass: CallerThrottlerGuard },
        { provide: APP_GUARD, useClass: PoliciesGuard },
        // Wraps every route handler (bindRequestTransactions in bootstrap.ts): the request's transaction and audit.
        RequestTransaction,
        { provide: APP_FILTER, useClass: ConduitExceptionFilter },
      ],
    };
  }
}
