// Copying a tenant's rows from one database to another and checking them (`tenant:move`, docs/dedicated-tenants.md
// "Moving a tenant"). Both sides are reached as their owner (the core database's DATABASE_MIGRATION_URL, a dedicated
// one's own URL) with the tenant's RLS setting applied, so a non-superuser owner under FORCE ROW LEVEL SECURITY reads
// and writes that tenant's rows only. A table is synchronised, not blindly copied: the rows of the tenant are compared
// by primary key and md5 of the row, the missing and changed ones are written (INSERT ... ON CONFLICT DO UPDATE), the
// ones gone from the source deleted. The first pass runs while the tenant works; the second, during the pause, writes
// only what changed since.
import { Client } from 'pg';
import { TENANT_SETTING } from '@conduit/database';
import { CommandFailedError } from './cli-errors';

/** Rows written per statement. */
const BATCH = 500;

const ident = (name: string) => `"${name.replace(/"/g, '""')}"`;

export interface MoveTable {
  name: string;
  /** primary key columns */
  key: string[];
  columns: string[];
}

export interface TableCheck {
  rows: number;
  checksum: string;
}

export interface SyncCounts {
  written: number;
  deleted: number;
}

/** An owner connection to one database with the tenant's RLS setting and UTC (rows compare as text). */
export async function tenantClient(url: string, tenantId: string): Promise<Client> {
  const client = new Client({ connectionString: url, application_name: 'conduit-tenant-move' });
  await client.connect();
  await client.query(`SET TimeZone = 'UTC'; SET statement_timeout = 0`);
  await client.query(`SELECT set_config($1, $2, false)`, [TENANT_SETTING, tenantId]);
  return client;
}

/**
 * The tables with a tenant_id that `include` accepts, read from the catalogue (a table a later migration adds is moved
 * without anyone listing it), in foreign-key order: a table comes after every table it references.
 */
export async function moveTables(client: Client, include: (name: string) => boolean): Promise<MoveTable[]> {
  const { rows } = await client.query<{ name: string; columns: string[]; key: string[] }>(
    `SELECT c.relname AS name,
            (SELECT array_agg(a.attname::text ORDER BY a.attnum) FROM pg_attribute a
              WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = '') AS columns,
            (SELECT array_agg(a.attname::text ORDER BY array_position(i.indkey, a.attnum)) FROM pg_index i
               JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
              WHERE i.indrelid = c.oid AND i.indisprimary) AS key
       FROM pg_class c
      WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r'
        AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped)
      ORDER BY 1`,
  );
  const tables = rows.filter((t) => include(t.name));
  const missingKey = tables.filter((t) => !t.key || t.key.length === 0).map((t) => t.name);
  if (missingKey.length > 0)
    throw new CommandFailedError(`tables without a primary key cannot be moved: ${missingKey.join(', ')}`);
  const { rows: refs } = await client.query<{ from: string; to: string }>(
    `SELECT conrelid::regclass::text AS "from", confrelid::regclass::text AS "to" FROM pg_constraint
      WHERE contype = 'f' AND connamespace = 'public'::regnamespace AND conrelid <> confrelid`,
  );
  const names = new Set(tables.map((t) => t.name));
  const after = new Map<string, Set<string>>(tables.map((t) => [t.name, new Set<string>()]));
  for (const r of refs) if (names.has(r.from) && names.has(r.to)) after.get(r.from)?.add(r.to);
  const ordered: MoveTable[] = [];
  const done = new Set<string>();
  const byName = new Map(tables.map((t) => [t.name, t]));
  while (ordered.length < tables.length) {
    const next = tables.filter((t) => !done.has(t.name) && [...(after.get(t.name) ?? [])].every((d) => done.has(d)));
    if (next.length === 0) throw new CommandFailedError('the tenant tables reference each other in a cycle');
    for (const t of next) {
      done.add(t.name);
      ordered.push(byName.get(t.name) as MoveTable);
    }
  }
  return ordered;
}

const keyObject = (t: MoveTable) => `json_build_object(${t.key.map((k) => `'${k}', t.${ident(k)}`).join(', ')})::text`;
const keyOrder = (t: MoveTable) => t.key.map((k) => `t.${ident(k)}`).join(', ');

/** The tenant's row count and a checksum of its rows (md5 of the rows' md5s in key order) in one table. */
export async function checkTable(client: Client, table: MoveTable, tenantId: string): Promise<TableCheck> {
  const { rows } = await client.query<{ n: number; c: string | null }>(
    `SELECT count(*)::int AS n, md5(string_agg(md5(t::text), '' ORDER BY ${keyOrder(table)})) AS c
       FROM ${ident(table.name)} t WHERE t.tenant_id = $1`,
    [tenantId],
  );
  return { rows: rows[0]?.n ?? 0, checksum: rows[0]?.c ?? '' };
}

async function hashes(client: Client, table: MoveTable, tenantId: string): Promise<Map<string, string>> {
  const { rows } = await client.query<{ k: string; h: string }>(
    `SELECT ${keyObject(table)} AS k, md5(t::text) AS h FROM ${ident(table.name)} t WHERE t.tenant_id = $1`,
    [tenantId],
  );
  return new Map(rows.map((r) => [r.k, r.h]));
}

/** Rows of `keys` (JSON objects of the key columns), matched through the primary key's index. */
const byKeys = (table: MoveTable) =>
  `(${table.key.map((k) => `t.${ident(k)}`).join(', ')}) IN (SELECT ${table.key.map(ident).join(', ')}
     FROM json_populate_recordset(NULL::${ident(table.name)}, $2::json))`;

/**
 * Writes into `target` the tenant's rows of `table` that are missing or different there (`deletes`: false). With
 * `deletes`, deletes instead the target's rows the source no longer has (run in reverse foreign-key order).
 */
export async function syncTable(
  source: Client,
  target: Client,
  table: MoveTable,
  tenantId: string,
  phase: 'write' | 'delete',
  progress: (done: number, total: number) => void = () => undefined,
): Promise<number> {
  const [from, to] = await Promise.all([hashes(source, table, tenantId), hashes(target, table, tenantId)]);
  if (phase === 'delete') {
    const gone = [...to.keys()].filter((k) => !from.has(k));
    for (let i = 0; i < gone.length; i += BATCH) {
      const keys = `[${gone.slice(i, i + BATCH).join(',')}]`;
      await target.query(`DELETE FROM ${ident(table.name)} t WHERE t.tenant_id = $1 AND ${byKeys(table)}`, [
        tenantId,
        keys,
      ]);
      progress(Math.min(i + BATCH, gone.length), gone.length);
    }
    return gone.length;
  }
  const changed = [...from.entries()].filter(([k, h]) => to.get(k) !== h).map(([k]) => k);
  const others = table.columns.filter((c) => !table.key.includes(c));
  const onConflict = others.length
    ? `DO UPDATE SET ${others.map((c) => `${ident(c)} = excluded.${ident(c)}`).join(', ')}`
    : 'DO NOTHING';
  const columns = table.columns.map(ident).join(', ');
  for (let i = 0; i < changed.length; i += BATCH) {
    const keys = `[${changed.slice(i, i + BATCH).join(',')}]`;
    // Row text from one side to the other as JSON, never parsed here (numbers and timestamps keep every digit).
    const { rows } = await source.query<{ r: string }>(
      `SELECT row_to_json(t)::text AS r FROM ${ident(table.name)} t WHERE t.tenant_id = $1 AND ${byKeys(table)}`,
      [tenantId, keys],
    );
    if (rows.length > 0) {
      await target.query(
        `INSERT INTO ${ident(table.name)} (${columns})
         SELECT ${columns} FROM json_populate_recordset(NULL::${ident(table.name)}, $1::json)
         ON CONFLICT (${table.key.map(ident).join(', ')}) ${onConflict}`,
        [`[${rows.map((r) => r.r).join(',')}]`],
      );
    }
    progress(Math.min(i + BATCH, changed.length), changed.length);
  }
  return changed.length;
}

/** Deletes the tenant's rows of `table` in batches (cleanup of the database a tenant left). */
export async function deleteTenantRows(
  client: Client,
  table: MoveTable,
  tenantId: string,
  progress: (done: number) => void = () => undefined,
): Promise<number> {
  let total = 0;
  for (;;) {
    const { rowCount } = await client.query(
      `DELETE FROM ${ident(table.name)} WHERE ctid = ANY(ARRAY(
         SELECT ctid FROM ${ident(table.name)} WHERE tenant_id = $1 LIMIT ${BATCH * 10}))`,
      [tenantId],
    );
    total += rowCount ?? 0;
    progress(total);
    if (!rowCount) return total;
  }
}
