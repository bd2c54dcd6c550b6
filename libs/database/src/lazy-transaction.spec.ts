import { readsOnly, setConfigSql } from './lazy-transaction';

describe('readsOnly', () => {
  it('takes plain reads', () => {
    expect(readsOnly('SELECT id FROM t WHERE a = $1')).toBe(true);
    expect(readsOnly('  select count(*) FROM t')).toBe(true);
  });

  it('refuses writes, locks and settings, which must run in the transaction', () => {
    expect(readsOnly('INSERT INTO t VALUES (1)')).toBe(false);
    expect(readsOnly('WITH x AS (DELETE FROM t RETURNING *) SELECT * FROM x')).toBe(false);
    expect(readsOnly('SELECT 1 FROM t WHERE id = $1 FOR UPDATE')).toBe(false);
    expect(readsOnly('SELECT * FROM t FOR NO KEY UPDATE')).toBe(false);
    expect(readsOnly('SELECT * FROM t FOR share')).toBe(false);
    expect(readsOnly(`SELECT pg_advisory_xact_lock(hashtextextended('k', 0))`)).toBe(false);
    expect(readsOnly(`SELECT pg_try_advisory_xact_lock(1, 2) AS locked`)).toBe(false);
    expect(readsOnly(`SELECT set_config('statement_timeout', $1, true)`)).toBe(false);
    expect(readsOnly(`SELECT nextval('s')`)).toBe(false);
  });
});

describe('setConfigSql', () => {
  it('sets each setting for the transaction, values as escaped literals', () => {
    expect(setConfigSql({ 'app.tenant_id': 'a1', synchronous_commit: 'off' })).toBe(
      `SELECT set_config(E'app.tenant_id', E'a1', true), set_config(E'synchronous_commit', E'off', true)`,
    );
    expect(setConfigSql({ 'app.x': `it's a \\ path` })).toBe(`SELECT set_config(E'app.x', E'it''s a \\\\ path', true)`);
  });

  it('sends nothing for no settings, and refuses a NUL', () => {
    expect(setConfigSql({})).toBeNull();
    expect(() => setConfigSql({ 'app.x': 'a\u0000b' })).toThrow(RangeError);
  });
});
