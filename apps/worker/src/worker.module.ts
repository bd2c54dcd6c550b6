import { DynamicModule, Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { AccessModule } from '@conduit/access';
import { ChainsWorkerModule } from '@conduit/chains/engine';
import { BACKGROUND_CONNECT_TIMEOUT_MS, DatabaseModule, migrationsOf } from '@conduit/database';
import { IngestionWorkerModule } from '@conduit/ingestion/engine';
import { INTEGRATIONS_MIGRATIONS } from '@conduit/integrations';
import { LicensingWorkerModule } from '@conduit/licensing/engine';
import { MonitorsWorkerModule } from '@conduit/monitors/engine';
import { CasesWorkerModule } from '@conduit/cases/engine';
import { ConduitConfig, ConfigModule, LOG_REDACT_PATHS, PlatformModule, TenantId } from '@conduit/platform';
import { QueuesModule } from '@conduit/queues';
import { SCIM_MIGRATIONS } from '@conduit/scim';
import { SSO_MIGRATIONS } from '@conduit/sso';
import { TasksWorkerModule } from '@conduit/tasks/engine';
import { WebhooksWorkerModule } from '@conduit/webhooks/engine';
import { WorkerHealthController } from './health/worker-health.controller';
import { MaintenanceProcessor } from './maintenance/maintenance.processor';
import { MaintenanceSchedules } from './maintenance/maintenance-schedules';
import { WorkerMetrics } from './metrics/worker-metrics';
import { WorkerMetricsController } from './metrics/worker-metrics.controller';

/** The domains the worker runs, one module each: their queues' processors, reconcile timers and metrics. */
export const WORKER_DOMAINS = [
  WebhooksWorkerModule,
  IngestionWorkerModule,
  ChainsWorkerModule,
  LicensingWorkerModule,
  TasksWorkerModule,
  MonitorsWorkerModule,
  CasesWorkerModule,
];
/**
 * Domains with no work in the worker whose tables it must still create: either process may migrate the schema at
 * start, so the worker's migrations are the API's (worker-migrations.spec.ts).
 */
const SCHEMA_ONLY_MIGRATIONS = [...SSO_MIGRATIONS, ...SCIM_MIGRATIONS, ...INTEGRATIONS_MIGRATIONS];
/** Their migrations (and those of the domains they use), run at start with the platform's when MIGRATE_ON_START. */
export const WORKER_MIGRATIONS = [...migrationsOf(WORKER_DOMAINS), ...SCHEMA_ONLY_MIGRATIONS];

@Module({})
export class WorkerModule {
  /** dedicatedToMigrate: migrateOnStart's answer (DatabaseModuleOptions.dedicatedToMigrate). */
  static forRoot(config: ConduitConfig, dedicatedToMigrate: readonly TenantId[] = []): DynamicModule {
    return {
      module: WorkerModule,
      imports: [
        ConfigModule.forRoot(config),
        PlatformModule,
        LoggerModule.forRoot({
          pinoHttp: {
            name: 'conduit-worker',
            level: config.LOG_LEVEL,
            redact: { paths: LOG_REDACT_PATHS, censor: '[REDACTED]' },
            // Probes and scrapes hit these every few seconds; logging each one drowns the job logs.
            autoLogging: { ignore: (req) => req.url === '/health' || req.url === '/metrics' },
          },
        }),
        // No CLS middleware: jobs open their own context through TenantContext.runInTenant().
        DatabaseModule.forRoot({
          applicationName: 'conduit-worker',
          whileTenantMoves: 'wait',
          statementTimeoutMs: (c) => c.WORKER_STATEMENT_TIMEOUT_MS,
          connectTimeoutMs: () => BACKGROUND_CONNECT_TIMEOUT_MS,
          migrations: WORKER_MIGRATIONS,
          dedicatedToMigrate,
        }),
        QueuesModule.forRoot(),
        // EventsService (operational events) checks permissions through AccessService; worker code calls its
        // publishInTenant(), which does not.
        AccessModule,
        ...WORKER_DOMAINS,
      ],
      controllers: [WorkerHealthController, WorkerMetricsController],
      // Platform housekeeping (the maintenance queue), and the process's metrics.
      providers: [MaintenanceProcessor, MaintenanceSchedules, WorkerMetrics],
    };
  }
}
