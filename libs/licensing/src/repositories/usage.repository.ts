// Reads of the monthly usage (the report, the gauge, the notifications) and the claims of the notifications.
import { Injectable } from '@nestjs/common';
import { TenantContext } from '@conduit/database';
import { TenantId, asTenantId } from '@conduit/platform';

export type UsageThreshold = 'warning' | 'reached';

export interface TenantMonthUsage {
  events_published: number;
  events_received: number;
  peak_users: number;
  peak_child_tenants: number;
}

export interface ReportTenant {
  id: TenantId;
  code: string;
  name: string;
  parent_id: string | null;
}

export interface UsageNotice {
  threshold: UsageThreshold;
  limit: number;
  usage: number;
  at: Date;
}

export interface NoticeClaim {
  /** 'YYYY-MM-01' */
  month: string;
  quota: string;
  threshold: UsageThreshold;
  limit: number;
  usage: number;
  at: Date;
}

const NO_USAGE: TenantMonthUsage = { events_published: 0, events_received: 0, peak_users: 0, peak_child_tenants: 0 };

@Injectable()
export class UsageRepository {
  constructor(private readonly db: TenantContext) {}

  /** The installation's events counted into a month ('YYYY-MM-01'). Control plane: any transaction. */
  async installationEvents(month: string): Promise<number> {
    const [row] = (await this.db.em.query(
      `SELECT events::text AS events FROM license_installation_months WHERE month = $1::date`,
      [month],
    )) as { events: string }[];
    return row ? Number(row.events) : 0;
  }

  /** A tenant's month ('YYYY-MM-01'), zeros when nothing was counted; inside that tenant's transaction (RLS). */
  async tenantMonth(tenantId: TenantId, month: string): Promise<TenantMonthUsage> {
    const [row] = (await this.db.em.query(
      `SELECT events_published::text AS events_published, events_received::text AS events_received,
              peak_users, peak_child_tenants
         FROM license_usage_months WHERE tenant_id = $1 AND month = $2::date`,
      [tenantId, month],
    )) as { events_published: string; events_received: string; peak_users: number; peak_child_tenants: number }[];
    if (!row) return NO_USAGE;
    return {
      events_published: Number(row.events_published),
      events_received: Number(row.events_received),
      peak_users: row.peak_users,
      peak_child_tenants: row.peak_child_tenants,
    };
  }

  /**
   * The tenants a report covers, by code: rootId and every tenant below it (every tenant when null), without those
   * deleted before `since` (the month's start). The tenants table is the control plane's: readable in any transaction.
   */
  async reportTenants(rootId: TenantId | null, since: Date): Promise<ReportTenant[]> {
    // UNION (not UNION ALL) drops rows already found, which ends the walk on a cycle.
    const rows = (await this.db.em.query(
      `WITH RECURSIVE below(id) AS (
         SELECT id FROM tenants WHERE id = $1
         UNION
         SELECT t.id FROM tenants t JOIN below b ON t.parent_id = b.id
       )
       SELECT t.id, t.code, t.name, t.parent_id FROM tenants t
        WHERE ($1::uuid IS NULL OR t.id IN (SELECT id FROM below))
          AND (t.deleted_at IS NULL OR t.deleted_at >= $2)
        ORDER BY t.code`,
      [rootId, since],
    )) as { id: string; code: string; name: string; parent_id: string | null }[];
    // Ids read from the tenants table itself.
    return rows.map((r) => ({ ...r, id: asTenantId(r.id) }));
  }

  /** The notifications published for a quota in a month ('YYYY-MM-01'). Control plane. */
  async notices(month: string, quota: string): Promise<UsageNotice[]> {
    const rows = (await this.db.em.query(
      `SELECT threshold, quota_limit::text AS quota_limit, usage::text AS usage, created_at
         FROM license_usage_notifications WHERE month = $1::date AND quota = $2 ORDER BY created_at`,
      [month, quota],
    )) as { threshold: UsageThreshold; quota_limit: string; usage: string; created_at: Date }[];
    return rows.map((r) => ({
      threshold: r.threshold,
      limit: Number(r.quota_limit),
      usage: Number(r.usage),
      at: new Date(r.created_at),
    }));
  }

  /**
   * Claims a notification: true when this transaction is the first to (its event is then published in the same
   * transaction), false when another one already has. A concurrent claim waits for the first to commit or roll back.
   */
  async claimNotice(claim: NoticeClaim): Promise<boolean> {
    const rows = (await this.db.em.query(
      `INSERT INTO license_usage_notifications (month, quota, threshold, quota_limit, usage, created_at)
       VALUES ($1::date, $2, $3, $4, $5, $6)
       ON CONFLICT (month, quota, threshold) DO NOTHING
       RETURNING threshold`,
      [claim.month, claim.quota, claim.threshold, claim.limit, claim.usage, claim.at],
    )) as unknown[];
    return rows.length === 1;
  }

  /** The id of the event published for a claimed notification. */
  async noticePublished(month: string, quota: string, threshold: UsageThreshold, eventId: string): Promise<void> {
    await this.db.em.query(
      `UPDATE license_usage_notifications SET event_id = $4 WHERE month = $1::date AND quota = $2 AND threshold = $3`,
      [month, quota, threshold, eventId],
    );
  }
}
