// `npm start`: one process for a laptop — embedded PostgreSQL when DATABASE_URL is unset, migrations,
// the first platform admin, then the API and the worker side by side.
import 'reflect-metadata';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { API_MIGRATIONS } from '@conduit/api/api.module';
import { PinoLogger, Logger as PinoNestLogger } from 'nestjs-pino';
import pino from 'pino';
import { createApiApp } from '@conduit/api/bootstrap';
import { ensureAdmin } from '@conduit/api/first-start';
import { migrateOnStart } from '@conduit/database';
import { ConduitConfig, ConfigError, MasterKeyring, parseConfig, parseDevConfig } from '@conduit/platform';
import { assertRedisReachable } from '@conduit/queues';
import { createWorkerApp } from '@conduit/worker/bootstrap';
import { readOrCreateSecret } from './data-dir';
import { EmbeddedPostgresHandle, STOP_SIGNALS, startEmbeddedPostgres } from './embedded-postgres';
import { quietDuplicateDataSourceWarning } from './one-process';

/** Longest orderly shutdown (in-flight requests and jobs finishing) before PostgreSQL is stopped anyway. */
const SHUTDOWN_BUDGET_MS = 30_000;

/** What is running, closed in this order: requests first, then jobs, then the database they use. */
const running: { api?: NestFastifyApplication; worker?: NestFastifyApplication; postgres?: EmbeddedPostgresHandle } =
  {};
let stopping = false;

async function stop(reason: string, exitCode: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    if (exitCode === 0) process.stdout.write(`${reason}: shutting down\n`);
    // Ctrl-C reaches PostgreSQL too (same process group): it ends its sessions at once, and the pools would warn of
    // an outage that is only the shutdown. Errors still show.
    if (PinoLogger.root && PinoLogger.root.levelVal < pino.levels.values.error) PinoLogger.root.level = 'error';
    setTimeout(() => {
      process.stderr.write(`shutdown took over ${SHUTDOWN_BUDGET_MS / 1000} s: stopping PostgreSQL anyway\n`);
      void (running.postgres?.stop() ?? Promise.resolve()).finally(() => process.exit(1));
    }, SHUTDOWN_BUDGET_MS).unref();
    for (const close of [() => running.api?.close(), () => running.worker?.close(), () => running.postgres?.stop()]) {
      await Promise.resolve()
        .then(close)
        .catch((err: unknown) => process.stderr.write(`while shutting down: ${describe(err)}\n`));
    }
    process.exit(exitCode);
  }
  // A repeated signal (npm and the terminal may both deliver one) waits for the shutdown under way.
  return new Promise<never>(() => undefined);
}

/**
 * Stops cleanly however `npm start` is stopped: Ctrl-C (SIGINT to the whole process group), SIGTERM or SIGHUP to this
 * process, or the npm process going away. npm runs the script through `sh -c`, and a SIGTERM to npm is forwarded to
 * that shell only, which dies and leaves this process to init: the parent pid changes, and that is noticed here.
 */
function stopOnSignalsAndOrphaning(): void {
  for (const signal of STOP_SIGNALS) process.on(signal, () => void stop(signal, 0));
  // Only under npm: started by hand (`node ... src/dev.ts &`, then the shell left), running on is what was asked for.
  if (!process.env.npm_lifecycle_event) return;
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) void stop('npm exited', 0);
  }, 250).unref();
}

async function main(): Promise<void> {
  stopOnSignalsAndOrphaning();
  const env = { ...process.env };
  const dev = parseDevConfig(env);
  const dataDir = resolve(dev.CONDUIT_DATA_DIR);
  mkdirSync(dataDir, { recursive: true });
  env.CONDUIT_MASTER_KEY ||= readOrCreateSecret(join(dataDir, 'master.key'), () => MasterKeyring.generate());

  if (!env.DATABASE_URL) {
    process.stdout.write(
      `Starting embedded PostgreSQL (data in ${join(dataDir, 'pg')}, port ${dev.EMBEDDED_POSTGRES_PORT})...\n`,
    );
    running.postgres = await startEmbeddedPostgres(dataDir, dev.EMBEDDED_POSTGRES_PORT);
    env.DATABASE_URL = running.postgres.url;
  }
  const config = parseConfig(env);
  await assertRedisReachable(config.REDIS_URL);
  // Every database, as `migrate` does; a dedicated one that fails waits, at 503, for the apps to migrate it.
  const dedicatedToMigrate = await migrateOnStart(config, API_MIGRATIONS, {
    info: (line) => process.stdout.write(`${line}\n`),
    warn: (line) => process.stderr.write(`${line}\n`),
  });

  // The API first: nestjs-pino keeps one logger per process, built from the first app's settings, and only the API's
  // mask what its requests must not log (a receive URL's key) and carry request ids.
  running.api = await createApiApp(config, { shutdownHooks: false, dedicatedToMigrate });
  running.worker = await quietDuplicateDataSourceWarning(running.api.get(PinoNestLogger), () =>
    createWorkerApp(config, { http: false, dedicatedToMigrate }),
  );
  await running.worker.init();
  const admin = await ensureAdmin(running.api, config, { generatePassword: true });
  await running.api.listen({ port: config.PORT, host: config.HOST });
  writeAfterLogs(startBanner(config, admin));
}

/**
 * pino writes to stdout asynchronously, so a plain stdout write can overtake start-up logs still queued. The banner
 * goes through pino's own stream instead (a SonicBoom on stdout: no transport is configured), after all of them.
 */
function writeAfterLogs(text: string): void {
  const root = PinoLogger.root as unknown as Record<symbol, { write?: (chunk: string) => unknown }> | undefined;
  const stream = root?.[pino.symbols.streamSym];
  if (typeof stream?.write === 'function') stream.write(text);
  else process.stdout.write(text);
}

function startBanner(config: ConduitConfig, admin: string[] | null): string {
  const lines = [`Conduit is running: http://localhost:${config.PORT} (Swagger UI at /docs)`];
  if (admin) lines.push('', ...admin);
  lines.push(
    '',
    `Outbound policy: OUTBOUND_ALLOW_LOOPBACK=${config.OUTBOUND_ALLOW_LOOPBACK} ` +
      `OUTBOUND_ALLOW_PRIVATE_NETWORKS=${config.OUTBOUND_ALLOW_PRIVATE_NETWORKS}`,
    config.OUTBOUND_ALLOW_LOOPBACK
      ? '  webhooks and chain steps may reach this machine (localhost): fine for trying Conduit out'
      : '  webhooks and chain steps to localhost are refused; for a receiver on this machine: ' +
          'OUTBOUND_ALLOW_LOOPBACK=true npm start',
  );
  if (!config.OUTBOUND_ALLOW_PRIVATE_NETWORKS) {
    lines.push('  private addresses (10.x, 192.168.x, ...) are refused unless OUTBOUND_ALLOW_PRIVATE_NETWORKS=true');
  }
  lines.push('', 'Stop with Ctrl-C.');
  return `\n${lines.map((line) => (line ? `  ${line}` : '')).join('\n')}\n\n`;
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

main().catch(async (err: unknown) => {
  // While a signal's shutdown is under way, start-up steps fail for that reason: nothing to report.
  if (stopping) return;
  process.stderr.write(`${err instanceof ConfigError ? err.message : `Conduit failed to start: ${describe(err)}`}\n`);
  // Whatever started is stopped: an embedded PostgreSQL left running would block the next `npm start`.
  await stop('start-up failed', 1);
});
