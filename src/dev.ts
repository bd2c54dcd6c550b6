// `npm start`: one process for a laptop — embedded PostgreSQL when DATABASE_URL is unset, migrations,
// the first platform admin, then the API and the worker side by side.
import 'reflect-metadata';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { API_MIGRATIONS } from '@conduit/api/api.module';
import { createApiApp } from '@conduit/api/bootstrap';
import { ensureAdmin } from '@conduit/api/first-start';
import { migrateDatabase } from '@conduit/database';
import { ConfigError, MasterKeyring, parseConfig, parseDevConfig } from '@conduit/platform';
import { assertRedisReachable } from '@conduit/queues';
import { createWorkerApp } from '@conduit/worker/bootstrap';
import { readOrCreateSecret, startEmbeddedPostgres } from './embedded-postgres';

async function main(): Promise<void> {
  const env = { ...process.env };
  const dev = parseDevConfig(env);
  const dataDir = resolve(dev.CONDUIT_DATA_DIR);
  mkdirSync(dataDir, { recursive: true });
  env.CONDUIT_MASTER_KEY ||= readOrCreateSecret(join(dataDir, 'master.key'), () => MasterKeyring.generate());

  let stopPostgres: (() => Promise<void>) | undefined;
  if (!env.DATABASE_URL) {
    process.stdout.write(
      `Starting embedded PostgreSQL (data in ${join(dataDir, 'pg')}, port ${dev.EMBEDDED_POSTGRES_PORT})...\n`,
    );
    const pg = await startEmbeddedPostgres(dataDir, dev.EMBEDDED_POSTGRES_PORT);
    env.DATABASE_URL = pg.url;
    stopPostgres = pg.stop;
  }
  const config = parseConfig(env);
  await assertRedisReachable(config.REDIS_URL);
  const migrated = await migrateDatabase(config, API_MIGRATIONS);
  if (migrated.applied.length > 0) process.stdout.write(`Applied migrations: ${migrated.applied.join(', ')}\n`);

  const worker = await createWorkerApp(config, { http: false });
  await worker.init();
  const api = await createApiApp(config, { shutdownHooks: false });
  await ensureAdmin(api, config, { printGeneratedPassword: true });
  await api.listen({ port: config.PORT, host: config.HOST });
  process.stdout.write(`Conduit is running: http://localhost:${config.PORT} (Swagger UI at /docs)\n`);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`${signal}: shutting down\n`);
    await api.close();
    await worker.close();
    await stopPostgres?.();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((err: unknown) => {
  process.stderr.write(
    `${err instanceof ConfigError ? err.message : `Conduit failed to start: ${(err as Error).message}`}\n`,
  );
  process.exit(1);
});
