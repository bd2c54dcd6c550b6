// What a dedicated database URL may be: a postgres URL with a host of DEDICATED_DATABASE_HOSTS and a database name.
// Nothing in its query string may redirect the connection (pg reads host=, hostaddr= and options= from there, which
// would get around the allow-list), so only sslmode is accepted.
import { databaseLocation } from '@conduit/database';
import { IsolationException } from './isolation.exception';

const ALLOWED_PARAMETERS = new Set(['sslmode']);

export interface DedicatedDatabaseUrl {
  url: string;
  host: string;
}

export function parseDatabaseUrl(value: string, allowedHosts: readonly string[]): DedicatedDatabaseUrl {
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    throw invalid('database_url is not a URL');
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:')
    throw invalid('database_url must be a postgres:// or postgresql:// URL');
  const host = parsed.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (!host) throw invalid('database_url must name a host');
  if (parsed.pathname.length <= 1 || parsed.pathname.slice(1).includes('/'))
    throw invalid('database_url must name one database');
  if (parsed.hash) throw invalid('database_url must not have a fragment');
  for (const name of parsed.searchParams.keys()) {
    if (!ALLOWED_PARAMETERS.has(name)) throw invalid(`database_url may carry sslmode only, not ${name}`);
  }
  if (!allowedHosts.includes(host)) {
    throw new IsolationException(
      'database_host_not_allowed',
      `database host ${host} is not in DEDICATED_DATABASE_HOSTS${allowedHosts.length === 0 ? ' (empty: no dedicated databases allowed)' : ''}`,
    );
  }
  return { url: value, host };
}

/** host:port/database, for messages: never the user or the password. */
export const describeDatabase = databaseLocation;

function invalid(message: string): IsolationException {
  return new IsolationException('invalid_database_url', message);
}
