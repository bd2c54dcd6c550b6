// The worker's monthly usage count, inside one tenant's transaction (RLS applies): what is new since the last run in
// the event tables, added to the tenant's month and the installation's, and the peaks of memberships and child tenants.
//
// The only place licensing reads other domains' tables, and only to count rows: webhook_events (webhooks),
// inbound_events (ingestion), memberships and tenants (the tenants lib, as auth's lookups do). Nothing is added to
// their write paths: the count reads their (tenant_id, created_at / received_at) indexes after the fact.
import { Injectable } from '@nestjs/common';
import { TenantContext } from '@conduit/database';
import type { TenantId } from '@conduit/platform';
import { OPERATIONAL_SOURCE, ROUTED_SOURCE_PREFIX } from '@conduit/webhooks';

/** Where events enter the installation, each counted once (docs/licensing.md, "Monthly usage"). */
export type UsageSource = 'published' | 'received';
export const USAGE_SOURCES: readonly UsageSource[] = ['published', 'received'];

interface SourceTable {
  table: string;
  /** The column that places a row in time (its creator's clock), indexed with tenant_id. */
  column: string;
  /** Rows of the table that are not events entering the installation. */
  except: string;
  /** Its column in license_usage_months. */
  field: string;
}

const TABLES: Record<UsageSource, SourceTable> = {
  // Published: POST /api/v1/events and the seed's publish route. Not the events routing makes of received webhooks
  // (source 'inbound:<name>', counted as received) nor Conduit's own operational events.
  published: {
    table: 'webhook_events',
    column: 'created_at',
    except: `AND source <> '${OPERATIONAL_SOURCE}' AND source NOT LIKE '${ROUTED_SOURCE_PREFIX}%'`,
    field: 'events_published',
  },
  // Received: every webhook the ingestion endpoints accepted and stored, routed or not.
  received: { table: 'inbound_events', column: 'received_at', except: '', field: 'events_received' },
};

@Injectable()
export class UsageCountingRepository {
  constructor(private readonly db: TenantContext) {}

  /** One count of a tenant at a time (replicas, overlapping runs): false when another transaction holds it. */
  async tryLock(tenantId: TenantId): Promise<boolean> {
    const [row] = (await this.db.em.query(
      `SELECT pg_try_advisory_xact_lock(hashtext('conduit:license_usage'), hashtext($1)) AS locked`,
      [tenantId],
    )) as { locked: boolean }[];
    return row.locked;
  }

  /** Per source, the instant before which every row is counted. */
  async progress(tenantId: TenantId): Promise<Map<UsageSource, Date>> {
    const rows = (await this.db.em.query(
      `SELECT source, counted_until FROM license_usage_progress WHERE tenant_id = $1`,
      [tenantId],
    )) as { source: UsageSource; counted_until: Date }[];
    return new Map(rows.map((r) => [r.source, new Date(r.counted_until)]));
  }

  /** The time of the tenant's oldest row of a source at or after notBefore, null when it has none. */
  async firstRow(tenantId: TenantId, source: UsageSource, notBefore: Date): Promise<Date | null> {
    const { table, column } = TABLES[source];
    const [row] = (await this.db.em.query(
      `SELECT min(${column}) AS first FROM ${table} WHERE tenant_id = $1 AND ${column} >= $2`,
      [tenantId, notBefore],
    )) as { first: Date | null }[];
    return row.first ? new Date(row.first) : null;
  }

  /**
   * Counts the tenant's rows of a source in [from, to) into their months (UTC), adds them to the tenant's and the
   * installation's months, and moves the source's progress to `to`: one statement, so a count is added exactly once.
   * Months are written in order, so two workers adding to the same installation months never wait on each other in
   * opposite orders. Answers how many rows it counted.
   */
  async countRange(tenantId: TenantId, source: UsageSource, from: Date, to: Date): Promise<number> {
    const { table, column, except, field } = TABLES[source];
    const [row] = (await this.db.em.query(
      `WITH counted AS (
         SELECT (date_trunc('month', ${column} AT TIME ZONE 'UTC'))::date AS month, count(*)::bigint AS n
           FROM ${table}
          WHERE tenant_id = $1 AND ${column} >= $2 AND ${column} < $3 ${except}
          GROUP BY 1
       ), tenant_months AS (
         INSERT INTO license_usage_months AS m (tenant_id, month, ${field})
         SELECT $1, month, n FROM counted ORDER BY month
         ON CONFLICT (tenant_id, month) DO UPDATE SET ${field} = m.${field} + excluded.${field}, updated_at = now()
       ), installation_months AS (
         INSERT INTO license_installation_months AS i (month, events)
         SELECT month, n FROM counted ORDER BY month
         ON CONFLICT (month) DO UPDATE SET events = i.events + excluded.events, updated_at = now()
       ), progress AS (
         INSERT INTO license_usage_progress AS p (tenant_id, source, counted_until) VALUES ($1, $4, $3)
         ON CONFLICT (tenant_id, source) DO UPDATE SET counted_until = excluded.counted_until, updated_at = now()
       )
       SELECT coalesce(sum(n), 0)::text AS counted FROM counted`,
      [tenantId, from, to, source],
    )) as { counted: string }[];
    return Number(row.counted);
  }

  /**
   * Raises the month's peaks to the tenant's memberships and live child tenants now, when they are higher (no write
   * otherwise).
   */
  async recordPeaks(tenantId: TenantId, month: string): Promise<void> {
    await this.db.em.query(
      `INSERT INTO license_usage_months AS m (tenant_id, month, peak_users, peak_child_tenants)
       SELECT $1, $2::date,
              (SELECT count(*) FROM memberships WHERE tenant_id = $1)::int,
              (SELECT count(*) FROM tenants WHERE parent_id = $1 AND deleted_at IS NULL)::int
       ON CONFLICT (tenant_id, month) DO UPDATE
          SET peak_users = greatest(m.peak_users, excluded.peak_users),
              peak_child_tenants = greatest(m.peak_child_tenants, excluded.peak_child_tenants),
              updated_at = now()
        WHERE excluded.peak_users > m.peak_users OR excluded.peak_child_tenants > m.peak_child_tenants`,
      [tenantId, month],
    );
  }
}
