// What the CLI reports in one line: a usage error (exit 2) or a command that failed (exit 1). Loaded by the entry
// point before anything heavy, like everything it needs to find the database (see src/cli.ts).
import { CodedError } from '@conduit/platform/errors/coded-error';

export class UsageError extends CodedError<'usage'> {
  readonly code = 'usage';

  /** withUsage: the command's usage follows the message. */
  constructor(
    message: string,
    readonly withUsage = false,
  ) {
    super(message);
  }
}

/** A command refused by the service's rules (tenant_code_taken, ...): its code and message are the report. */
export class CommandFailedError extends CodedError<'command_failed'> {
  readonly code = 'command_failed';
}
