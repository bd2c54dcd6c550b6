import { DynamicModule, Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { DatabaseModule } from '@conduit/database';
import { ConduitConfig, ConfigModule, LOG_REDACT_PATHS, PlatformModule } from '@conduit/platform';
import { QueuesModule } from '@conduit/queues';
import { WorkerHealthController } from './health/worker-health.controller';
import { HeartbeatScheduler } from './maintenance/heartbeat.scheduler';
import { MaintenanceProcessor } from './maintenance/maintenance.processor';

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
            // Probes hit /health every few seconds; logging each one drowns the job logs.
            autoLogging: { ignore: (req) => req.url === '/health' },
          },
        }),
        // No CLS middleware: jobs open their own context through TenantContext.runInTenant().
        DatabaseModule.forRoot({ applicationName: 'conduit-worker' }),
        QueuesModule.forRoot(),
      ],
      controllers: [WorkerHealthController],
      providers: [MaintenanceProcessor, HeartbeatScheduler],
    };
  }
}
