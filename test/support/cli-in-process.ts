// An operator command run in the test's own process (runCommand, as src/cli.ts calls it once it has its
// configuration), with what it prints captured: a spawned `npm run cli` spends seconds loading before it does
// anything. Suites keep one spawned run of the real CLI where the process itself matters.
import { resolveDatabaseUrls } from '@conduit/database';
import type { ConduitConfig } from '@conduit/platform';
// eslint-disable-next-line no-restricted-imports -- the CLI's command table, which no lib exports
import { runCommand } from '../../src/cli-commands';

export async function runCliInProcess(
  config: ConduitConfig,
  command: string,
  values: Record<string, string | boolean> = {},
): Promise<{ code: number; out: string }> {
  let out = '';
  const capture = (chunk: string | Uint8Array) => {
    out += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString();
    return true;
  };
  const stdout = vi.spyOn(process.stdout, 'write').mockImplementation(capture);
  const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(capture);
  let code: number;
  try {
    await runCommand(command, values, config, resolveDatabaseUrls(config));
    code = Number(process.exitCode ?? 0);
  } catch (err) {
    code = 1;
    out += `${(err as Error).message}\n`;
  } finally {
    stdout.mockRestore();
    stderr.mockRestore();
    process.exitCode = 0;
  }
  return { code, out };
}
