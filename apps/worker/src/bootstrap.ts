// Builds the worker application (used by main.ts, src/dev.ts and the end-to-end tests alike).
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { getDataSourceToken } from '@nestjs/typeorm';
import { Logger } from 'nestjs-pino';
import { DataSource } from 'typeorm';
import { assertSafeRuntimeRole } from '@conduit/database';
import { ConduitConfig, TenantId } from '@conduit/platform';
import { WorkerModule } from './worker.module';

export interface WorkerAppOptions {
  logger?: boolean;
  /**
   * false: embedded in a process that owns HTTP and signals (src/dev.ts). The app is initialised here, since
   * nobody will call listen(), and a signal does not end the process from this app's side.
   */
  http?: boolean;
  /** The dedicated tenants whose database MIGRATE_ON_START could not migrate (migrateOnStart's answer). */
  dedicatedToMigrate?: readonly TenantId[];
}

/** Returns the worker app with its processors registered; with http true they start on listen() (or init()). */
export async function createWorkerApp(
  config: ConduitConfig,
  options: WorkerAppOptions = {},
): Promise<NestFastifyApplication> {
  const app = await NestFactory.create<NestFastifyApplication>(
    WorkerModule.forRoot(config, options.dedicatedToMigrate),
    new FastifyAdapter(),
    {
      bufferLogs: options.logger !== false,
      logger: options.logger === false ? false : undefined,
      abortOnError: false,
    },
  );
  if (options.logger !== false) app.useLogger(app.get(Logger));
  await assertSafeRuntimeRole(app.get<DataSource>(getDataSourceToken()));
  // Shutdown drains in-flight jobs (see MaintenanceProcessor); a standalone worker then exits 0 instead of
  // re-raising the signal, so orchestrators see a clean stop. Embedded, the host process handles signals.
  if (options.http !== false) app.enableShutdownHooks([], { useProcessExit: true });
  else await app.init();
  return app;
}
