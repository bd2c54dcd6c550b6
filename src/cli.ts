// Operator commands: `npm run cli -- <command> [--flags]`. Without DATABASE_URL it uses the `npm start` database.
// This entry point loads only what finding the database takes (no Nest, no domain libs: they take seconds to load), so
// a database that does not answer is one line at once; the commands load after (./cli-commands).
import { join, resolve } from 'node:path';
import { DatabaseUrls, resolveDatabaseUrls } from '@conduit/database/database-urls';
import { ConfigError, parseConfig, parseDevConfig } from '@conduit/platform/config/config.schema';
import type { ConduitConfig } from '@conduit/platform';
import { CommandFailedError, UsageError } from './cli-errors';
import { OFFLINE_COMMANDS, parseOptions } from './cli-options';
import { embeddedDatabaseUrl, readOrCreateSecret } from './data-dir';
import { DatabaseOrigin, DatabaseUnreachableError, assertDatabaseAnswers } from './database-probe';

/** The commands, Nest and the libs: loaded once the database answered (this file is CommonJS, hence require). */
function commands(): typeof import('./cli-commands') {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- on demand, see the top of this file
  return require('./cli-commands') as typeof import('./cli-commands');
}

function loadConfig(): { config: ConduitConfig; origin: DatabaseOrigin } {
  const env = { ...process.env };
  const origin: DatabaseOrigin = env.DATABASE_URL ? 'DATABASE_URL' : 'npm-start';
  if (!env.DATABASE_URL || !env.CONDUIT_MASTER_KEY) {
    const dev = parseDevConfig(env);
    const dataDir = resolve(dev.CONDUIT_DATA_DIR);
    env.DATABASE_URL ||= embeddedDatabaseUrl(dataDir, dev.EMBEDDED_POSTGRES_PORT) ?? undefined;
    if (!env.DATABASE_URL) {
      throw new DatabaseUnreachableError(
        `no database: start one with \`npm start\` (its data in ${dataDir}), or set DATABASE_URL`,
      );
    }
    if (!env.CONDUIT_MASTER_KEY) {
      env.CONDUIT_MASTER_KEY = readOrCreateSecret(join(dataDir, 'master.key'), () => {
        throw new UsageError(
          'CONDUIT_MASTER_KEY is not set and no development key exists: set it, or run `npm start` once',
        );
      });
    }
  }
  return { config: parseConfig(env), origin };
}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  const { values } = parseOptions(rest);
  if (!command || command === 'help' || command === '--help') {
    process.stdout.write(commands().USAGE);
    return;
  }
  // The vendor's licence tool runs anywhere: no database, no configuration.
  if (OFFLINE_COMMANDS.has(command)) {
    await commands().runOfflineCommand(command, values);
    return;
  }
  const { config, origin } = loadConfig();
  const urls: DatabaseUrls = resolveDatabaseUrls(config);
  await assertDatabaseAnswers(
    command === 'migrate' || command === 'tenant:move' ? urls.migrationUrl : urls.runtimeUrl,
    origin,
  );
  await commands().runCommand(command, values, config, urls);
}

function report(err: unknown): number {
  if (err instanceof UsageError) {
    const usage = err.withUsage ? `\n\n${commands().USAGE}` : '';
    process.stderr.write(`${err.message}${usage}\n`);
    return 2;
  }
  if (err instanceof ConfigError || err instanceof CommandFailedError) process.stderr.write(`${err.message}\n`);
  else if (err instanceof DatabaseUnreachableError) process.stderr.write(`cli: ${err.message}\n`);
  else process.stderr.write(`cli failed: ${err instanceof Error ? err.message : String(err)}\n`);
  return 1;
}

main(process.argv.slice(2)).then(
  // keys:status and keys:rewrap report through the exit code.
  () => {
    if (process.exitCode) process.exit(process.exitCode);
  },
  (err: unknown) => process.exit(report(err)),
);
