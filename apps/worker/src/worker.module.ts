import { DynamicModule, Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { AccessModule } from '@conduit/access';
import { BACKGROUND_CONNECT_TIMEOUT_MS, DatabaseModule } from '@conduit/database';
import { ConduitConfig, ConfigModule, LOG_REDACT_PATHS, PlatformModule } from '@conduit/platform';
import { QueuesModule } from '@conduit/queues';
import { IngestionModule } from '@conduit/ingestion';
import { DeliveryModule } from '@conduit/webhooks/engine';
import { ChainEngineModule } from '@conduit/chains/engine';
import { ChainReconcileTimer } from './chains/chain-reconcile.timer';
import { ChainStepProcessor } from './chains/chain-step.processor';
import { DeliveryReconcileTimer } from './deliveries/delivery-reconcile.timer';
import { DeliveryProcessor } from './deliveries/delivery.processor';
import { WorkerHealthController } from './health/worker-health.controller';
import { IngestionReconcileTimer } from './ingestion/ingestion-reconcile.timer';
import { IngestionProcessor } from './ingestion/ingestion.processor';
import { MaintenanceProcessor } from './maintenance/maintenance.processor';
import { MaintenanceSchedules } from './maintenance/maintenance-schedules';
import { WorkerMetrics } from './metrics/worker-metrics';
import { WorkerMetricsController } from './metrics/worker-metrics.controller';

@Module({})
export class WorkerModule {
  static forRoot(config: ConduitConfig): DynamicModule {
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
          statementTimeoutMs: (c) => c.WORKER_STATEMENT_TIMEOUT_MS,
          connectTimeoutMs: () => BACKGROUND_CONNECT_TIMEOUT_MS,
        }),
        QueuesModule.forRoot(),
        // EventsService (operational events) checks permissions through AccessService; worker code calls its
        // publishInTenant(), which does not.
        AccessModule,
        DeliveryModule,
        IngestionModule,
        ChainEngineModule,
      ],
      controllers: [WorkerHealthController, WorkerMetricsController],
      providers: [
        MaintenanceProcessor,
        MaintenanceSchedules,
        DeliveryProcessor,
        DeliveryReconcileTimer,
        IngestionProcessor,
        IngestionReconcileTimer,
        ChainStepProcessor,
        ChainReconcileTimer,
        WorkerMetrics,
      ],
    };
  }
}
