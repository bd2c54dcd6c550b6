import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { databaseUrl, dropDatabase, withAdminClient } from './postgres-admin';

export interface TestDatabase {
  name: string;
  /** owner (superuser) URL: what the service is given as DATABASE_URL; it serves as the runtime role */
  url: string;
  drop(): Promise<void>;
}

/** A fresh database for one suite, copied from the migrated template. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const template = inject('templateDatabase');
  // Named after the run's template (its pid) so global setup can tell leftovers of dead runs.
  const name = `${template.replace('conduit_tpl_', 'conduit_t_')}_${randomBytes(5).toString('hex')}`;
  await withAdminClient((client) => client.query(`CREATE DATABASE "${name}" TEMPLATE "${template}"`));
  return { name, url: databaseUrl(name), drop: () => withAdminClient((client) => dropDatabase(client, name)) };
}
