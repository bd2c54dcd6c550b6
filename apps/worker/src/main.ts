// Production entry point for the queue worker: configuration from the environment only.
import 'reflect-metadata';
import { migrateOnStart } from '@conduit/database';
import { ConfigError, parseConfig } from '@conduit/platform';
import { assertRedisReachable } from '@conduit/queues';
import { createWorkerApp } from './bootstrap';
import { WORKER_MIGRATIONS } from './worker.module';

async function main(): Promise<void> {
  // eslint-disable-next-line no-restricted-properties -- the process entry point is where the environment is read
  const config = parseConfig(process.env);
  await assertRedisReachable(config.REDIS_URL);
  // Every database, as `migrate` does; a dedicated one that fails waits, at 503, for this process to migrate it.
  const dedicatedToMigrate = config.MIGRATE_ON_START
    ? await migrateOnStart(config, WORKER_MIGRATIONS, { info: console.log, warn: console.warn })
    : [];
  const app = await createWorkerApp(config, { dedicatedToMigrate });
  await app.listen({ port: config.WORKER_HEALTH_PORT, host: config.HOST });
}

main().catch((err: unknown) => {
  const reason =
    err instanceof ConfigError ? `invalid configuration: ${err.problems.join('; ')}` : (err as Error).message;
  console.error(`conduit-worker failed to start: ${reason}`);
  process.exit(1);
});
