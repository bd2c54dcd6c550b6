// Errors that are not an answer to a request (those are ConduitException, with an HTTP status) still say what went
// wrong in a stable, typed code: logs, failed jobs and the CLI report it, and callers branch on it (or on the class),
// never on a message. A lint rule refuses a bare `throw new Error(...)` in apps and libs.

export abstract class CodedError<C extends string = string> extends Error {
  abstract readonly code: C;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Conditions that cannot arise unless Conduit has a bug, or its rows were changed behind its back. */
export type InvariantCode =
  | 'unknown_variant'
  | 'access_registered_twice'
  | 'transaction_required'
  | 'transaction_open'
  | 'data_key_missing'
  | 'step_not_in_chain'
  | 'run_not_created'
  | 'conflicting_row_missing'
  | 'subscription_vanished'
  | 'unexpected_next_step'
  | 'unexpected_redis_reply'
  | 'helmet_async'
  | 'audit_tenant_mismatch'
  | 'rate_limit_not_static'
  | 'quota_counted_twice'
  | 'saml_no_redirect'
  | 'ingest_source_missing'
  | 'case_event_raced';

export class InvariantError extends CodedError<InvariantCode> {
  constructor(
    readonly code: InvariantCode,
    message: string,
  ) {
    super(message);
  }
}

/** The default branch of an exhaustive switch: the compiler proves it unreachable, this says so if a value slips in. */
export function unreachable(value: never, what: string): never {
  throw new InvariantError('unknown_variant', `unknown ${what} ${JSON.stringify(value)}`);
}
