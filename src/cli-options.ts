// The CLI's options, parsed as src/cli.ts does before anything heavy loads (test/support/cli-in-process.ts parses a
// command's arguments with them too), and the commands it runs without a database.
import { parseArgs } from 'node:util';
import { UsageError } from './cli-errors';

/**
 * Commands that need neither the database nor the service's configuration: the vendor's licence tool. Here, not in
 * ./cli-commands, so that src/cli.ts tells them apart without loading the commands before it has found the database.
 */
export const OFFLINE_COMMANDS: ReadonlySet<string> = new Set(['license:keygen', 'license:sign']);

/** An unknown option or one without its value is a usage error (exit 2), like a missing one. */
export function parseOptions(args: string[]) {
  try {
    return parseArgs({
      args,
      options: {
        code: { type: 'string' },
        name: { type: 'string' },
        parent: { type: 'string' },
        email: { type: 'string' },
        password: { type: 'string' },
        tenant: { type: 'string' },
        role: { type: 'string' },
        file: { type: 'string' },
        out: { type: 'string' },
        kid: { type: 'string' },
        claims: { type: 'string' },
        key: { type: 'string' },
        'import-type': { type: 'string' },
        'dry-run': { type: 'boolean' },
        atomic: { type: 'boolean' },
        to: { type: 'string' },
        'database-url': { type: 'string' },
        cleanup: { type: 'boolean' },
        status: { type: 'boolean' },
        repair: { type: 'boolean' },
      },
      strict: true,
    });
  } catch (err) {
    const code = String((err as { code?: unknown }).code);
    if (!code.startsWith('ERR_PARSE_ARGS')) throw err;
    // A stray argument is never echoed: it may be half of a password that was not quoted.
    const message =
      code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL'
        ? 'unexpected argument (quote values that contain spaces)'
        : (err as Error).message;
    throw new UsageError(message, true);
  }
}
