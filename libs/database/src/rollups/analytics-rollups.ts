// Analytics rollups: the worker keeps hourly and daily figures per key; a window's figures are the sum of the
// rollups it covers and of its remaining parts counted live (see rollup-plan.ts). The figures themselves, and how to
// count them from a domain's rows, come from that domain (a RollupSource).
import { Injectable, SetMetadata } from '@nestjs/common';
import { DiscoveryService, Reflector } from '@nestjs/core';
import { Clock, TenantId } from '@conduit/platform';
import { SystemContext } from '../system-context';
import { TenantContext } from '../tenant-context';
import { DAY_MS, HOUR_MS, Range, dayOf, hourOf, hourRanges, planWindow } from './rollup-plan';
import { RollupStats, addStats } from './rollup-stats';

export type RollupKind = 'deliveries' | 'chain_runs';

/** The widest analytics window, in days; rollups are kept a day longer. */
export const ANALYTICS_MAX_WINDOW_DAYS = 93;
/**
 * An hour is rolled up once it ended this long ago: rows are stamped with their creator's clock at the start of a
 * transaction that commits a little later, so a just-ended hour may still gain rows.
 */
export const ROLLUP_SETTLE_MS = 5 * 60_000;
/** Hours rolled up per transaction while catching up (a day: one backfill transaction stays short). */
const CHUNK_MS = DAY_MS;
/** Transactions per tenant and kind per run: a long backfill goes on at the next run instead of holding this one. */
const MAX_CHUNKS_PER_RUN = 120;

export interface RollupRow {
  key_id: string;
  /** The hour, when counted by hour. */
  period: Date | null;
  in_flight: number;
  stats: RollupStats;
}

/** keyId narrows to one key; now is the request's time (a hint for choosing a plan). */
export interface RollupCountOptions {
  byHour: boolean;
  keyId: string | null;
  now: Date;
}

/** What a domain tells the rollups: how to count its figures for the current tenant's rows created in some ranges. */
export interface RollupSource {
  kind: RollupKind;
  /** The table whose rows' created_at places them in an hour. */
  table: string;
  /**
   * Figures per key (and per hour when byHour) of the current tenant's rows created in the ranges, inside the caller's
   * tenant transaction.
   */
  count(tenantId: TenantId, ranges: readonly Range[], options: RollupCountOptions): Promise<RollupRow[]>;
}

const ROLLUP_SOURCE = 'conduit:analytics-rollup-source';

/**
 * Marks a domain's RollupSource provider: the rollup run finds every one the process composes (a new domain's
 * analytics need no edit outside its lib).
 */
export const AnalyticsRollupSource = (): ClassDecorator => SetMetadata(ROLLUP_SOURCE, true);

export interface RollupRunResult {
  tenants: number;
  /** Hours counted again (new, still in flight, or stale). */
  hours: number;
}

@Injectable()
export class AnalyticsRollups {
  constructor(
    private readonly db: TenantContext,
    private readonly system: SystemContext,
    private readonly clock: Clock,
    private readonly discovery: DiscoveryService,
    private readonly reflector: Reflector,
  ) {}

  /** The RollupSource providers (@AnalyticsRollupSource) of this process, one per kind. */
  sources(): RollupSource[] {
    const byKind = new Map<RollupKind, RollupSource>();
    for (const wrapper of this.discovery.getProviders()) {
      const { metatype, instance } = wrapper;
      if (!metatype || !instance || !this.reflector.get<boolean>(ROLLUP_SOURCE, metatype)) continue;
      const source = instance as RollupSource;
      byKind.set(source.kind, source);
    }
    return [...byKind.values()];
  }

  /**
   * The figures per key of [since, until), inside the caller's tenant transaction: rollups where they cover the
   * window and are current, live counts elsewhere. Exactly what counting the whole window live would give.
   */
  async window(
    source: RollupSource,
    tenantId: TenantId,
    since: Date,
    until: Date,
    keyId: string | null,
  ): Promise<Map<string, RollupStats>> {
    const [state] = (await this.db.em.query(
      `SELECT (SELECT rolled_up_until FROM analytics_rollup_progress WHERE tenant_id = $1 AND kind = $2) AS rolled_up_until,
              ARRAY(SELECT hour FROM analytics_stale_hours WHERE tenant_id = $1 AND kind = $2 AND hour >= $3 AND hour < $4) AS stale`,
      [tenantId, source.kind, hourOf(since), until],
    )) as { rolled_up_until: Date | null; stale: Date[] }[];
    const plan = planWindow(
      since,
      until,
      state.rolled_up_until,
      state.stale.map((h) => new Date(h)),
    );
    const figures = new Map<string, RollupStats>();
    const add = (key: string, stats: RollupStats) => figures.set(key, addStats(figures.get(key) ?? {}, stats));
    if (plan.days.length + plan.hours.length > 0) {
      const rows = (await this.db.em.query(
        `SELECT key_id, stats FROM analytics_rollups
          WHERE tenant_id = $1 AND kind = $2 AND ($5::uuid IS NULL OR key_id = $5)
            AND ((span = 'day' AND period_start = ANY($3::timestamptz[])) OR (span = 'hour' AND period_start = ANY($4::timestamptz[])))`,
        [tenantId, source.kind, plan.days, plan.hours, keyId],
      )) as { key_id: string; stats: RollupStats }[];
      for (const r of rows) add(r.key_id, r.stats);
    }
    if (plan.live.length > 0) {
      const rows = await source.count(tenantId, plan.live, { byHour: false, keyId, now: this.clock.now() });
      for (const r of rows) add(r.key_id, r.stats);
    }
    return figures;
  }

  /**
   * Marks the hours of rows an API call changed after they may have been rolled up (a manual retry, a recovery):
   * windows count them live until the next run rolls them up again. In the caller's transaction, so the mark commits
   * with the change.
   */
  async markStale(kind: RollupKind, tenantId: TenantId, createdAt: Date[]): Promise<void> {
    if (createdAt.length === 0) return;
    const hours = [...new Set(createdAt.map((t) => hourOf(t).getTime()))].map((t) => new Date(t));
    await this.db.em.query(
      `INSERT INTO analytics_stale_hours (tenant_id, kind, hour) SELECT $1, $2, unnest($3::timestamptz[])
       ON CONFLICT DO NOTHING`,
      [tenantId, kind, hours],
    );
  }

  /** One run over every live tenant: rolls up the hours that ended, and again those in flight or stale. */
  async rollUpOnce(sources: RollupSource[] = this.sources(), now: Date = this.clock.now()): Promise<RollupRunResult> {
    const tenants = await this.system.run('analytics.rollup', (plane) => plane.tenantIds({ includeDeleted: false }));
    let hours = 0;
    for (const id of tenants) for (const source of sources) hours += await this.rollUpTenant(source, id, now);
    return { tenants: tenants.length, hours };
  }

  private async rollUpTenant(source: RollupSource, tenantId: TenantId, now: Date): Promise<number> {
    const horizon = hourOf(new Date(now.getTime() - ROLLUP_SETTLE_MS)).getTime();
    const oldest = horizon - (ANALYTICS_MAX_WINDOW_DAYS + 1) * DAY_MS;
    let hours = 0;
    for (let chunk = 0; chunk < MAX_CHUNKS_PER_RUN; chunk++) {
      const step = await this.db.runInTenant(tenantId, () =>
        this.rollUpChunk(source, tenantId, horizon, oldest, chunk),
      );
      hours += step.hours;
      if (step.done) break;
    }
    return hours;
  }

  /** One transaction: the next chunk of hours not rolled up yet and, the first time, the hours to count again. */
  private async rollUpChunk(
    source: RollupSource,
    tenantId: TenantId,
    horizon: number,
    oldest: number,
    chunk: number,
  ): Promise<{ done: boolean; hours: number }> {
    const q = this.db.em;
    // One run per tenant and kind at a time (replicas); another one holding it is doing this work.
    const [{ locked }] = (await q.query(`SELECT pg_try_advisory_xact_lock(hashtext($1), hashtext($2)) AS locked`, [
      tenantId,
      `analytics_rollup:${source.kind}`,
    ])) as { locked: boolean }[];
    if (!locked) return { done: true, hours: 0 };
    const [progress] = (await q.query(
      `SELECT rolled_up_until FROM analytics_rollup_progress WHERE tenant_id = $1 AND kind = $2`,
      [tenantId, source.kind],
    )) as { rolled_up_until: Date }[];
    let from = progress?.rolled_up_until.getTime() ?? (await this.firstHour(source, tenantId, oldest, horizon));
    from = Math.max(from, oldest);
    const to = Math.min(horizon, from + CHUNK_MS);
    const ranges: Range[] = [];
    if (chunk === 0) {
      const again = (await q.query(
        `WITH stale AS (DELETE FROM analytics_stale_hours WHERE tenant_id = $1 AND kind = $2 AND hour < $3 RETURNING hour)
         SELECT hour FROM stale WHERE hour >= $4
          UNION SELECT period_start FROM analytics_rollups
          WHERE tenant_id = $1 AND kind = $2 AND span = 'hour' AND in_flight > 0 AND period_start < $3`,
        [tenantId, source.kind, new Date(from), new Date(oldest)],
      )) as { hour: Date }[];
      ranges.push(...hourRanges(again.map((r) => r.hour)));
    }
    if (to > from) ranges.push([new Date(from), new Date(to)]);
    // Nothing ended, moved or went stale since the last run: no write at all.
    if (ranges.length === 0 && progress) return { done: true, hours: 0 };
    let hours = 0;
    const days = new Set<number>();
    for (const [lo, hi] of ranges) {
      const rows = await source.count(tenantId, [[lo, hi]], { byHour: true, keyId: null, now: new Date(horizon) });
      await q.query(
        `DELETE FROM analytics_rollups WHERE tenant_id = $1 AND kind = $2 AND span = 'hour' AND period_start >= $3 AND period_start < $4`,
        [tenantId, source.kind, lo, hi],
      );
      await this.insert(tenantId, source.kind, 'hour', rows);
      for (let t = lo.getTime(); t < hi.getTime(); t += HOUR_MS) days.add(dayOf(new Date(t)).getTime());
      hours += (hi.getTime() - lo.getTime()) / HOUR_MS;
    }
    if (days.size > 0)
      await this.rollUpDays(
        tenantId,
        source.kind,
        [...days].map((d) => new Date(d)),
      );
    await q.query(
      `INSERT INTO analytics_rollup_progress (tenant_id, kind, rolled_up_until) VALUES ($1, $2, $3)
       ON CONFLICT (tenant_id, kind) DO UPDATE SET rolled_up_until = excluded.rolled_up_until, updated_at = now()`,
      [tenantId, source.kind, new Date(to)],
    );
    if (chunk === 0 && to > from) {
      await q.query(`DELETE FROM analytics_rollups WHERE tenant_id = $1 AND kind = $2 AND period_start < $3`, [
        tenantId,
        source.kind,
        new Date(oldest - DAY_MS),
      ]);
    }
    return { done: to >= horizon, hours };
  }

  /** Where a tenant's first run starts: the hour of its oldest row kept (the horizon when it has none). */
  private async firstHour(source: RollupSource, tenantId: string, oldest: number, horizon: number): Promise<number> {
    const [row] = (await this.db.em.query(
      `SELECT min(created_at) AS first FROM ${source.table} WHERE tenant_id = $1 AND created_at >= $2`,
      [tenantId, new Date(oldest)],
    )) as { first: Date | null }[];
    return row.first ? hourOf(row.first).getTime() : horizon;
  }

  /** Day rows, summed from the day's hour rows. */
  private async rollUpDays(tenantId: string, kind: RollupKind, days: Date[]): Promise<void> {
    const times = days.map((d) => d.getTime());
    const hourRows = (await this.db.em.query(
      `SELECT key_id, date_trunc('day', period_start, 'UTC') AS day, in_flight, stats FROM analytics_rollups
        WHERE tenant_id = $1 AND kind = $2 AND span = 'hour' AND period_start >= $4 AND period_start < $5
          AND date_trunc('day', period_start, 'UTC') = ANY($3::timestamptz[])`,
      [tenantId, kind, days, new Date(Math.min(...times)), new Date(Math.max(...times) + DAY_MS)],
    )) as { key_id: string; day: Date; in_flight: number; stats: RollupStats }[];
    const sums = new Map<string, RollupRow>();
    for (const r of hourRows) {
      const id = `${r.day.getTime()}/${r.key_id}`;
      const sum = sums.get(id) ?? { key_id: r.key_id, period: r.day, in_flight: 0, stats: {} };
      sums.set(id, { ...sum, in_flight: sum.in_flight + r.in_flight, stats: addStats(sum.stats, r.stats) });
    }
    await this.db.em.query(
      `DELETE FROM analytics_rollups WHERE tenant_id = $1 AND kind = $2 AND span = 'day' AND period_start = ANY($3::timestamptz[])`,
      [tenantId, kind, days],
    );
    await this.insert(tenantId, kind, 'day', [...sums.values()]);
  }

  private async insert(tenantId: string, kind: RollupKind, span: 'hour' | 'day', rows: RollupRow[]): Promise<void> {
    if (rows.length === 0) return;
    await this.db.em.query(
      `INSERT INTO analytics_rollups (tenant_id, kind, span, period_start, key_id, in_flight, stats)
       SELECT $1, $2, $3, r.period_start, r.key_id, r.in_flight, r.stats
         FROM jsonb_to_recordset($4::jsonb) AS r(period_start timestamptz, key_id uuid, in_flight integer, stats jsonb)`,
      [tenantId, kind, span, JSON.stringify(rows.map((r) => ({ ...r, period_start: r.period })))],
    );
  }
}
