// An operator command run in the test's own process, with what it prints captured: its arguments parsed by the CLI's
// own option table, then the command run from the CLI's command table (runOfflineCommand for the vendor's licence tool,
// runCommand with the configuration otherwise, as src/cli.ts does once it has found the database). A spawned
// `npm run cli` spends seconds loading before it does anything. Suites keep one spawned run of the real CLI where the
// process itself matters; test/e2e/cli.e2e-spec.ts spawns the CLI for its exit codes and usage errors.
import { resolveDatabaseUrls } from '@conduit/database';
import type { ConduitConfig } from '@conduit/platform';
// eslint-disable-next-line no-restricted-imports -- the CLI's command table, which no lib exports
import { USAGE, runCommand, runOfflineCommand } from '../../src/cli-commands';
// eslint-disable-next-line no-restricted-imports -- the CLI's usage error, which no lib exports
import { UsageError } from '../../src/cli-errors';
// eslint-disable-next-line no-restricted-imports -- the CLI's option table and offline commands, which no lib exports
import { OFFLINE_COMMANDS, parseOptions } from '../../src/cli-options';

/**
 * `npm run cli -- command ...args` in this process. config: null for the vendor's licence tool, which takes no
 * configuration at all. The exit code is src/cli.ts's: 2 for a usage error, 1 for any other failure, else the
 * process.exitCode the command set (keys:status, keys:rewrap), else 0.
 */
export async function runCliInProcess(
  config: ConduitConfig | null,
  command: string,
  ...args: string[]
): Promise<{ code: number; out: string }> {
  let out = '';
  const capture = (chunk: string | Uint8Array) => {
    out += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString();
    return true;
  };
  const stdout = vi.spyOn(process.stdout, 'write').mockImplementation(capture);
  const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(capture);
  // The command's exit code is its own: none left by an earlier one, and the test process's put back after.
  const exitCodeBefore = process.exitCode;
  process.exitCode = undefined;
  let code: number;
  try {
    const { values } = parseOptions(args);
    if (OFFLINE_COMMANDS.has(command)) await runOfflineCommand(command, values);
    else if (!config) throw new Error(`${command} needs a configuration`);
    else await runCommand(command, values, config, resolveDatabaseUrls(config));
    code = Number(process.exitCode ?? 0);
  } catch (err) {
    const usage = err instanceof UsageError && err.withUsage ? `\n\n${USAGE}` : '';
    code = err instanceof UsageError ? 2 : 1;
    out += `${(err as Error).message}${usage}\n`;
  } finally {
    stdout.mockRestore();
    stderr.mockRestore();
    process.exitCode = exitCodeBefore;
  }
  return { code, out };
}
