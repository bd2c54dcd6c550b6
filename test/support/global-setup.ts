// Runs the migrations once into a template database; every suite then copies it (CREATE DATABASE ... TEMPLATE).
import type { TestProject } from 'vitest/node';
import { migrateDatabase } from '@conduit/database';
import { API_MIGRATIONS } from '@conduit/api/api.module';
import { databaseUrl, dropDatabase, withAdminClient } from './postgres-admin';
import { testConfig } from './test-config';

declare module 'vitest' {
  export interface ProvidedContext {
    templateDatabase: string;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const template = `conduit_tpl_${process.pid}`;
  await withAdminClient(async (client) => {
    // Leftovers of runs that died before their teardown: their names carry the pid of a process that is gone.
    const { rows } = await client.query<{ datname: string }>(
      `SELECT datname FROM pg_database WHERE datname ~ '^conduit_(tpl|t)_[0-9]+'`,
    );
    for (const { datname } of rows) {
      const pid = Number(/^conduit_(?:tpl|t)_(\d+)/.exec(datname)?.[1]);
      if (!isAlive(pid)) await dropDatabase(client, datname);
    }
    await client.query(`CREATE DATABASE "${template}"`);
  });
  await migrateDatabase(testConfig(databaseUrl(template)), API_MIGRATIONS);
  await withAdminClient((client) =>
    client.query(`UPDATE pg_database SET datistemplate = true WHERE datname = $1`, [template]),
  );
  project.provide('templateDatabase', template);
  return async () => {
    await withAdminClient((client) => dropDatabase(client, template));
  };
}
