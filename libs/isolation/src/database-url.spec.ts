import { IsolationException } from './isolation.exception';
import { describeDatabase, parseDatabaseUrl } from './database-url';

describe('parseDatabaseUrl', () => {
  const allowed = ['db.internal', '127.0.0.1', '::1'];
  const codeOf = (url: string, hosts: readonly string[] = allowed) => {
    try {
      parseDatabaseUrl(url, hosts);
      return 'ok';
    } catch (err) {
      expect(err).toBeInstanceOf(IsolationException);
      return (err as IsolationException).code;
    }
  };

  it('accepts a postgres URL of an allowed host with a database, sslmode only in its query', () => {
    expect(parseDatabaseUrl('postgres://o:p@DB.internal:5432/acme', allowed).host).toBe('db.internal');
    expect(codeOf('postgresql://o@127.0.0.1/acme?sslmode=require')).toBe('ok');
    expect(codeOf('postgres://o@[::1]:5433/acme')).toBe('ok');
  });

  it('refuses what is not a postgres URL naming one database', () => {
    for (const url of [
      '',
      'db.internal/acme',
      'mysql://o@db.internal/acme',
      'postgres://o@db.internal/',
      'postgres://o@db.internal/a/b',
      'postgres://o@db.internal/acme#x',
    ]) {
      expect(codeOf(url)).toBe('invalid_database_url');
    }
  });

  it('refuses query parameters that pg would use to connect elsewhere', () => {
    for (const p of ['host=/tmp', 'hostaddr=10.0.0.1', 'options=-c%20role%3Dpostgres', 'port=1']) {
      expect(codeOf(`postgres://o@db.internal/acme?${p}`)).toBe('invalid_database_url');
    }
  });

  it('refuses hosts outside the allow-list, and every host when it is empty', () => {
    expect(codeOf('postgres://o@db.internal.evil.test/acme')).toBe('database_host_not_allowed');
    expect(codeOf('postgres://o@localhost/acme')).toBe('database_host_not_allowed');
    expect(codeOf('postgres://o@db.internal/acme', [])).toBe('database_host_not_allowed');
  });

  it('describes a database without its user or password', () => {
    expect(describeDatabase('postgres://owner:s3cret@db.internal/acme')).toBe('db.internal:5432/acme');
  });
});
