import { DynamicModule, Global, Module, Provider } from '@nestjs/common';
import { APP_GUARD, APP_INTERCEPTOR, DiscoveryModule } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ClsModule } from 'nestjs-cls';
import { ClsPluginTransactional } from '@nestjs-cls/transactional';
import { CONDUIT_CONFIG, ConduitConfig, TenantId } from '@conduit/platform';
import { DatabaseAvailability } from './database-availability';
import { LazyTransactionAdapter } from './lazy-transaction';
import { resolveDatabaseUrls } from './database-urls';
import { PoolMetrics } from './pool-metrics';
import { SystemContext } from './system-context';
import { TenantContext } from './tenant-context';
import { DEDICATED_TO_MIGRATE, TenantDatabases } from './tenant-databases';
import { TENANT_MOVES_MODE, TenantMoves, TenantMovesMode } from './tenant-moves';
import { TenantRoundTrip } from './tenant-round-trip';
import type { MigrationClass } from './migrations';
import { SCHEMA_MIGRATIONS } from './migrator';
import { AnalyticsRollups } from './rollups/analytics-rollups';

export interface DatabaseModuleOptions {
  applicationName?: string;
  /**
   * statement_timeout of this process's connections, sent in the connection's start-up message (no round trip per
   * statement). Default: DATABASE_STATEMENT_TIMEOUT_MS, the API's short budget; the worker and the CLI pass theirs.
   */
  statementTimeoutMs?: (config: ConduitConfig) => number;
  /**
   * How long a caller waits for a connection, new or a free one of the pool (pg-pool has one limit for both). Default:
   * DATABASE_CONNECT_TIMEOUT_MS, the API's (a request should not wait long). The worker passes a longer one: its jobs
   * outnumber its connections and queue for them under load, which is no outage.
   */
  connectTimeoutMs?: (config: ConduitConfig) => number;
  /**
   * The migrations of the whole schema this process composes (the API passes API_MIGRATIONS): what a dedicated
   * tenant's database is migrated with when a tenant is made dedicated. Provided as SCHEMA_MIGRATIONS (libs cannot
   * import the app that lists them).
   */
  migrations?: readonly MigrationClass[];
  /**
   * The dedicated tenants whose database MIGRATE_ON_START could not migrate (migrateOnStart's answer): TenantDatabases
   * answers their calls with 503 tenant_database_unavailable until its probe has migrated them with `migrations`.
   */
  dedicatedToMigrate?: readonly TenantId[];
  /**
   * A moving tenant's work (tenant:move's pause, TenantMoves): 'refuse' (default, the API: 503 tenant_moving) or
   * 'wait' (the worker: a job waits for the switch and goes on in the new database, instead of failing after it sent
   * something and being retried).
   */
  whileTenantMoves?: TenantMovesMode;
}

/** The worker's and the CLI's wait for a connection (see DatabaseModuleOptions.connectTimeoutMs). */
export const BACKGROUND_CONNECT_TIMEOUT_MS = 60_000;

/**
 * nestjs-cls's root module registers a global guard and a global interceptor even when neither is mounted (as here:
 * the API enters each request's CLS context in its server's listener, the worker per job): a guard answering true and
 * an interceptor passing through, which still cost every request a guard call and Nest's rxjs interceptor pipeline.
 * This is ClsModule.forRoot without those two providers.
 */
export function clsWithoutEnhancers(options: Parameters<typeof ClsModule.forRoot>[0]): DynamicModule {
  const cls = ClsModule.forRoot(options);
  const enhancer = (provider: Provider): boolean =>
    typeof provider === 'object' &&
    'provide' in provider &&
    [APP_GUARD, APP_INTERCEPTOR].includes(provider.provide as string);
  return {
    ...cls,
    imports: cls.imports?.map((imported) =>
      'providers' in imported && imported.providers?.some(enhancer)
        ? { ...imported, providers: imported.providers.filter((provider) => !enhancer(provider)) }
        : imported,
    ),
  };
}

/** Its own module so the pool's factory below can be given the same instance the rest of the process injects. */
@Module({ providers: [DatabaseAvailability], exports: [DatabaseAvailability] })
class DatabaseAvailabilityModule {}

@Global()
@Module({})
export class DatabaseModule {
  static forRoot(options: DatabaseModuleOptions = {}): DynamicModule {
    return {
      module: DatabaseModule,
      imports: [
        DiscoveryModule,
        DatabaseAvailabilityModule,
        TypeOrmModule.forRootAsync({
          imports: [DatabaseAvailabilityModule],
          inject: [CONDUIT_CONFIG, DatabaseAvailability],
          useFactory: (config: ConduitConfig, availability: DatabaseAvailability) => ({
            type: 'postgres' as const,
            url: resolveDatabaseUrls(config).runtimeUrl,
            autoLoadEntities: true,
            synchronize: false,
            migrationsRun: false,
            logging: false,
            // A connection that cannot be had within this is a 503 database_unavailable, not a request left hanging
            // (a host that drops packets, or every connection of the pool busy).
            connectTimeoutMS: options.connectTimeoutMs?.(config) ?? config.DATABASE_CONNECT_TIMEOUT_MS,
            // An idle connection that died: the pool already discarded it; TypeORM's default would log each one.
            poolErrorHandler: (err: unknown) => availability.notice(err),
            extra: {
              max: config.DATABASE_POOL_SIZE,
              application_name: options.applicationName ?? 'conduit',
              Client: availability.clientClass(),
              // 0 sends nothing: the role's or server's own setting applies.
              statement_timeout: options.statementTimeoutMs?.(config) ?? config.DATABASE_STATEMENT_TIMEOUT_MS,
              idle_in_transaction_session_timeout: config.DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS,
            },
          }),
        }),
        clsWithoutEnhancers({
          global: true,
          plugins: [
            new ClsPluginTransactional({
              imports: [TypeOrmModule],
              adapter: new LazyTransactionAdapter(),
            }),
          ],
        }),
      ],
      // PoolMetrics is injected by no one: being a provider, it is built at start and measures the pool from then on.
      providers: [
        TenantDatabases,
        TenantMoves,
        { provide: TENANT_MOVES_MODE, useValue: options.whileTenantMoves ?? 'refuse' },
        TenantContext,
        SystemContext,
        TenantRoundTrip,
        AnalyticsRollups,
        PoolMetrics,
        { provide: SCHEMA_MIGRATIONS, useValue: options.migrations ?? [] },
        { provide: DEDICATED_TO_MIGRATE, useValue: options.dedicatedToMigrate ?? [] },
      ],
      exports: [
        TenantDatabases,
        TenantMoves,
        TenantContext,
        SystemContext,
        TenantRoundTrip,
        AnalyticsRollups,
        DatabaseAvailabilityModule,
        SCHEMA_MIGRATIONS,
      ],
    };
  }
}
