// Reads of the monthly usage (the report, the gauge, the notifications) and the claims of the notifications (the
// installation's, and each allocation's of events_per_month).
import { Injectable } from '@nestjs/common';
import { TenantContext } from '@conduit/database';
import { TenantId, asTenantId } from '@conduit/platform';
import type { QuotaThreshold } from '../quota-thresholds';

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
  threshold: QuotaThreshold;
  limit: number;
  usage: number;
  at: Date;
}

export interface NoticeClaim {
  /** 'YYYY-MM-01' */
  month: string;
  quota: string;
  threshold: QuotaThreshold;
  limit: number;
  usage: number;
  at: Date;
}

/** A tenant holding an allocation of events_per_month, and the tenants its subtree's month is summed over. */
export interface EventsAllocation {
  tenantId: TenantId;
  code: string;
  limit: number;
  /** the tenant and every tenant below it, without those deleted before the month's start */
  subtree: TenantId[];
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

  /**
   * Every live tenant holding an allocation with a number for events_per_month, by code, with its subtree as the
   * report walks it (reportTenants: tenants deleted before `since`, the month's start, left out). Control plane.
   */
  async eventsAllocations(since: Date): Promise<EventsAllocation[]> {
    // UNION (not UNION ALL) drops rows already found, which ends the walk on a cycle.
    const rows = (await this.db.em.query(
      `WITH RECURSIVE allocated AS (
         SELECT a.allocated_to AS id, t.code, (a.quotas->>'events_per_month')::bigint AS quota_limit
           FROM license_allocations a JOIN tenants t ON t.id = a.allocated_to AND t.deleted_at IS NULL
          WHERE jsonb_typeof(a.quotas->'events_per_month') = 'number'
       ), below(root, id) AS (
         SELECT id, id FROM allocated
         UNION
         SELECT b.root, t.id FROM tenants t JOIN below b ON t.parent_id = b.id
       )
       SELECT a.id, a.code, a.quota_limit::text AS quota_limit,
              array_agg(t.id::text ORDER BY t.code) FILTER (WHERE t.deleted_at IS NULL OR t.deleted_at >= $1) AS subtree
         FROM allocated a JOIN below b ON b.root = a.id JOIN tenants t ON t.id = b.id
        GROUP BY a.id, a.code, a.quota_limit
        ORDER BY a.code`,
      [since],
    )) as { id: string; code: string; quota_limit: string; subtree: string[] | null }[];
    // Ids read from the tenants table itself.
    return rows.map((r) => ({
      tenantId: asTenantId(r.id),
      code: r.code,
      limit: Number(r.quota_limit),
      subtree: (r.subtree ?? []).map((id) => asTenantId(id)),
    }));
  }

  /** The notifications published for a quota in a month ('YYYY-MM-01'). Control plane. */
  async notices(month: string, quota: string): Promise<UsageNotice[]> {
    const rows = (await this.db.em.query(
      `SELECT threshold, quota_limit::text AS quota_limit, usage::text AS usage, created_at
         FROM license_usage_notifications WHERE month = $1::date AND quota = $2 ORDER BY created_at`,
      [month, quota],
    )) as { threshold: QuotaThreshold; quota_limit: string; usage: string; created_at: Date }[];
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
  async noticePublished(month: string, quota: string, threshold: QuotaThreshold, eventId: string): Promise<void> {
    await this.db.em.query(
      `UPDATE license_usage_notifications SET event_id = $4 WHERE month = $1::date AND quota = $2 AND threshold = $3`,
      [month, quota, threshold, eventId],
    );
  }

  /** The notifications published about a tenant's allocation of a quota in a month ('YYYY-MM-01'). Control plane. */
  async allocationNotices(tenantId: TenantId, month: string, quota: string): Promise<UsageNotice[]> {
    const rows = (await this.db.em.query(
      `SELECT threshold, quota_limit::text AS quota_limit, usage::text AS usage, created_at
         FROM license_usage_allocation_notifications
        WHERE allocated_to = $1 AND month = $2::date AND quota = $3 ORDER BY created_at`,
      [tenantId, month, quota],
    )) as { threshold: QuotaThreshold; quota_limit: string; usage: string; created_at: Date }[];
    return rows.map((r) => ({
      threshold: r.threshold,
      limit: Number(r.quota_limit),
      usage: Number(r.usage),
      at: new Date(r.created_at),
    }));
  }

  /**
   * Claims a notification about a tenant's allocation, as claimNotice does the installation's: true when this
   * transaction is the first to, false when another one already has (a concurrent claim waits for the first's end)
   * or the tenant was deleted since its usage was read (nothing to publish into).
   */
  async claimAllocationNotice(tenantId: TenantId, claim: NoticeClaim): Promise<boolean> {
    const rows = (await this.db.em.query(
      `INSERT INTO license_usage_allocation_notifications
         (allocated_to, month, quota, threshold, quota_limit, usage, created_at)
       SELECT $1::uuid, $2::date, $3::text, $4::text, $5::bigint, $6::bigint, $7::timestamptz
        WHERE EXISTS (SELECT 1 FROM tenants WHERE id = $1::uuid AND deleted_at IS NULL)
       ON CONFLICT (allocated_to, month, quota, threshold) DO NOTHING
       RETURNING threshold`,
      [tenantId, claim.month, claim.quota, claim.threshold, claim.limit, claim.usage, claim.at],
    )) as unknown[];
    return rows.length === 1;
  }

  /** The id of the event published for a claimed notification about a tenant's allocation. */
  async allocationNoticePublished(
    tenantId: TenantId,
    month: string,
    quota: string,
    threshold: QuotaThreshold,
    eventId: string,
  ): Promise<void> {
    await this.db.em.query(
      `UPDATE license_usage_allocation_notifications SET event_id = $5
        WHERE allocated_to = $1 AND month = $2::date AND quota = $3 AND threshold = $4`,
      [tenantId, month, quota, threshold, eventId],
    );
  }
}
