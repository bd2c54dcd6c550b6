// Production entry point for the HTTP API: configuration from the environment only.
import 'reflect-metadata';
import { migrateOnStart } from '@conduit/database';
import { ConfigError, parseConfig } from '@conduit/platform';
import { assertRedisReachable } from '@conduit/queues';
import { API_MIGRATIONS } from './api.module';
import { createApiApp } from './bootstrap';
import { ensureAdmin } from './first-start';

async function main(): Promise<void> {
  // eslint-disable-next-line no-restricted-properties -- the process entry point is where the environment is read
  const config = parseConfig(process.env);
  await assertRedisReachable(config.REDIS_URL);
  // Every database, as `migrate` does; a dedicated one that fails waits, at 503, for this process to migrate it.
  const dedicatedToMigrate = config.MIGRATE_ON_START
    ? await migrateOnStart(config, API_MIGRATIONS, { info: console.log, warn: console.warn })
    : [];
  const app = await createApiApp(config, { dedicatedToMigrate });
  const admin = await ensureAdmin(app, config, { generatePassword: false });
  if (admin) process.stdout.write(`\n${admin.map((line) => `  ${line}`).join('\n')}\n\n`);
  await app.listen({ port: config.PORT, host: config.HOST });
}

main().catch((err: unknown) => {
  console.error(err instanceof ConfigError ? err.message : `conduit-api failed to start: ${(err as Error).message}`);
  process.exit(1);
});
