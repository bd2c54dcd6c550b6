// Runs the migrations once into a template database; every suite then copies it (CREATE DATABASE ... TEMPLATE).
import type { TestProject } from 'vitest/node';
import { migrateDatabase } from '@conduit/database';
import { databaseUrl, dropDatabase, withAdminClient } from './postgres-admin';
import { testConfig } from './test-config';

declare module 'vitest' {
  export interface ProvidedContext {
    templateDatabase: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const template = `conduit_tpl_${process.pid}`;
  await withAdminClient(async (client) => {
    // Leftovers of runs that died before their teardown.
    const stale = await client.query<{ datname: string }>(
      `SELECT datname FROM pg_database WHERE (datname LIKE 'conduit_tpl_%' OR datname LIKE 'conduit_t_%')
         AND NOT EXISTS (SELECT 1 FROM pg_stat_activity a WHERE a.datname = pg_database.datname)`,
    );
    for (const { datname } of stale.rows) await dropDatabase(client, datname);
    await client.query(`CREATE DATABASE "${template}"`);
  });
  await migrateDatabase(testConfig(databaseUrl(template)));
  await withAdminClient((client) => client.query(`UPDATE pg_database SET datistemplate = true WHERE datname = $1`, [template]));
  project.provide('templateDatabase', template);
  return async () => {
    await withAdminClient((client) => dropDatabase(client, template));
  };
}
