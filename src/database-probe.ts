// The CLI's first contact with the database: one connection with a short timeout, so a database that is not running
// is one line within seconds. The pool the commands then use waits up to 60 s (BACKGROUND_CONNECT_TIMEOUT_MS: long
// operations queue for its connections), and Nest's TypeORM module retries nine times on top: 29 s of stack traces.
import { Client, DatabaseError } from 'pg';
import { describeUrl } from '@conduit/database/database-urls';
import { CodedError } from '@conduit/platform/errors/coded-error';

const PROBE_TIMEOUT_MS = 3000;

export class DatabaseUnreachableError extends CodedError<'database_unreachable'> {
  readonly code = 'database_unreachable';
}

/** Where the URL came from decides what to tell the operator to start. */
export type DatabaseOrigin = 'npm-start' | 'DATABASE_URL';

export async function assertDatabaseAnswers(url: string, origin: DatabaseOrigin): Promise<void> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: PROBE_TIMEOUT_MS });
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (err) {
    throw new DatabaseUnreachableError(unreachableMessage(url, origin, err));
  } finally {
    await client.end().catch(() => undefined);
  }
}

function unreachableMessage(url: string, origin: DatabaseOrigin, err: unknown): string {
  const reason = err instanceof Error ? err.message : String(err);
  const { hostname, port } = new URL(url);
  // A SQLSTATE means PostgreSQL answered and refused (a password, a role, a database): starting it is not the fix.
  if (err instanceof DatabaseError) {
    return `PostgreSQL at ${describeUrl(url)} refused the connection: ${reason}`;
  }
  return origin === 'npm-start'
    ? `the \`npm start\` database (${hostname}:${port}) does not answer: start it with \`npm start\` and leave it ` +
        'running, or set DATABASE_URL'
    : `the database at ${hostname}:${port || 5432} (DATABASE_URL) does not answer (${reason}): start it, or set ` +
        'DATABASE_URL to one that runs (unset, the CLI uses the `npm start` database)';
}
