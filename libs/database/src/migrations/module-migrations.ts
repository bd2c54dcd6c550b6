// Which migrations a process runs: the platform's own (index.ts) and those each module it composes declares. A domain
// lib puts its migrations in its own migrations/ folder and declares them on its module with @Migrations;
// migrationsOf() collects them from the modules an app imports, directly or through other modules, so a domain's
// dependencies bring their tables with them. TypeORM orders them by the timestamp in their names and records them by
// name: a migration that moves between libs runs nowhere again.
import type { DynamicModule } from '@nestjs/common';
import { MODULE_METADATA } from '@nestjs/common/constants';
import type { MigrationInterface } from 'typeorm';

export type MigrationClass = (new () => MigrationInterface) & {
  /**
   * SECURITY DEFINER functions the migration creates (revoking PUBLIC's EXECUTE) which the runtime role may call, as
   * `name(argument types)`: the migrator grants them, as it knows the role.
   */
  readonly runtimeFunctions?: readonly string[];
};

const MIGRATIONS_METADATA = 'conduit:migrations';

/** Declares the migrations that create and change a module's tables. */
export function Migrations(...migrations: MigrationClass[]): ClassDecorator {
  return (target) => Reflect.defineMetadata(MIGRATIONS_METADATA, migrations, target);
}

type Imported = DynamicModule | (abstract new (...args: never[]) => unknown) | { forwardRef: () => Imported };

/** The migrations declared on the given modules and on every module they import, each once. */
export function migrationsOf(modules: readonly Imported[]): MigrationClass[] {
  const found = new Set<MigrationClass>();
  const seen = new Set<unknown>();
  const visit = (entry: Imported | undefined): void => {
    if (!entry || seen.has(entry)) return;
    seen.add(entry);
    if ('forwardRef' in entry) return visit(entry.forwardRef());
    if ('module' in entry) {
      visit(entry.module);
      for (const imported of (entry.imports ?? []) as Imported[]) visit(imported);
      return;
    }
    const declared = Reflect.getMetadata(MIGRATIONS_METADATA, entry) as MigrationClass[] | undefined;
    for (const migration of declared ?? []) found.add(migration);
    const imports = (Reflect.getMetadata(MODULE_METADATA.IMPORTS, entry) ?? []) as Imported[];
    for (const imported of imports) visit(imported);
  };
  for (const module of modules) visit(module);
  return [...found];
}
