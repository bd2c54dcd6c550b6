// Every migration file under libs/ runs: a domain that forgot to declare one on its module (@Migrations) would leave
// its tables out of the schema, here found by looking, not by a list.
import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PLATFORM_MIGRATIONS } from '@conduit/database';
import { API_MIGRATIONS } from './api.module';

const LIBS = resolve(__dirname, '../../../libs');

function migrationFiles(): string[] {
  return readdirSync(LIBS).flatMap((lib) => {
    const dir = join(LIBS, lib, 'src', 'migrations');
    try {
      return readdirSync(dir)
        .filter((f) => /^\d{13}-.+\.ts$/.test(f) && !f.endsWith('.spec.ts'))
        .map((f) => join(dir, f));
    } catch {
      return [];
    }
  });
}

describe('the API’s migrations', () => {
  it('include every migration class found under libs/*/src/migrations, the platform’s first', async () => {
    const declared = new Set<unknown>([...PLATFORM_MIGRATIONS, ...API_MIGRATIONS]);
    const found: string[] = [];
    for (const file of migrationFiles()) {
      const exported = Object.values((await import(file)) as Record<string, unknown>).filter(
        (value): value is { name: string } => typeof value === 'function' && /\d{13}$/.test(value.name),
      );
      for (const migration of exported) {
        found.push(migration.name);
        expect(declared.has(migration), `${migration.name} (${file}) is declared by no module`).toBe(true);
      }
    }
    expect(found.length).toBe(declared.size);
  });
});
