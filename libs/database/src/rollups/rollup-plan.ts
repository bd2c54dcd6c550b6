// Which parts of an analytics window come from rollups (whole days, whole hours) and which are counted live from the
// rows themselves (the window's ragged ends, the hours not rolled up yet, hours marked stale).

export const HOUR_MS = 3600_000;
export const DAY_MS = 24 * HOUR_MS;

/** A half-open time range [from, to). */
export type Range = readonly [from: Date, to: Date];

export interface WindowPlan {
  /** Starts (UTC midnight) of the days whose day rollups are read. */
  days: Date[];
  /** Starts of the hours whose hour rollups are read. */
  hours: Date[];
  /** Ranges counted live, in order, adjacent ones joined. */
  live: Range[];
}

const floorTo = (t: number, unit: number) => Math.floor(t / unit) * unit;
const ceilTo = (t: number, unit: number) => Math.ceil(t / unit) * unit;

/**
 * Splits [since, until) given that every hour before rolledUpUntil is rolled up (none when null) except the stale
 * ones. A day rollup is read for a day that lies wholly in the rolled-up part and has no stale hour; the other
 * rolled-up hours are read one by one; everything else is live.
 */
export function planWindow(since: Date, until: Date, rolledUpUntil: Date | null, staleHours: Date[]): WindowPlan {
  const plan: WindowPlan = { days: [], hours: [], live: [] };
  const live = (from: number, to: number) => {
    if (to <= from) return;
    const last = plan.live[plan.live.length - 1];
    if (last && last[1].getTime() === from) plan.live[plan.live.length - 1] = [last[0], new Date(to)];
    else plan.live.push([new Date(from), new Date(to)]);
  };
  const start = ceilTo(since.getTime(), HOUR_MS);
  const end = rolledUpUntil === null ? start : Math.min(floorTo(until.getTime(), HOUR_MS), rolledUpUntil.getTime());
  if (end <= start) {
    live(since.getTime(), until.getTime());
    return plan;
  }
  const stale = new Set(staleHours.map((h) => floorTo(h.getTime(), HOUR_MS)));
  live(since.getTime(), start);
  for (let t = start; t < end;) {
    const dayEnd = t + DAY_MS;
    if (t % DAY_MS === 0 && dayEnd <= end && !hasStaleHour(stale, t, dayEnd)) {
      plan.days.push(new Date(t));
      t = dayEnd;
      continue;
    }
    if (stale.has(t)) live(t, t + HOUR_MS);
    else plan.hours.push(new Date(t));
    t += HOUR_MS;
  }
  live(end, until.getTime());
  return plan;
}

function hasStaleHour(stale: Set<number>, from: number, to: number): boolean {
  for (const h of stale) if (h >= from && h < to) return true;
  return false;
}

/**
 * SQL matching `column` to any of the ranges, their bounds appended to params as $n: spelled out rather than joined to
 * an unnest() of arrays, so the planner sees each range against the (tenant_id, created_at) index and estimates its
 * rows (a join to unnest is guessed at 100 ranges and read by a sequential scan).
 */
export function rangesSql(column: string, ranges: readonly Range[], params: unknown[]): string {
  if (ranges.length === 0) return 'false';
  const terms = ranges.map(([from, to]) => {
    params.push(from, to);
    return `(${column} >= $${params.length - 1} AND ${column} < $${params.length})`;
  });
  return terms.length === 1 ? terms[0] : `(${terms.join(' OR ')})`;
}

/** Hours as ranges, adjacent ones joined (the hours a rollup run computes again). */
export function hourRanges(hours: Date[]): Range[] {
  const sorted = [...new Set(hours.map((h) => floorTo(h.getTime(), HOUR_MS)))].sort((a, b) => a - b);
  const ranges: [Date, Date][] = [];
  for (const h of sorted) {
    const last = ranges[ranges.length - 1];
    if (last && last[1].getTime() === h) last[1] = new Date(h + HOUR_MS);
    else ranges.push([new Date(h), new Date(h + HOUR_MS)]);
  }
  return ranges;
}

/** UTC midnight of the day t falls in. */
export const dayOf = (t: Date): Date => new Date(floorTo(t.getTime(), DAY_MS));
/** The start of the hour t falls in. */
export const hourOf = (t: Date): Date => new Date(floorTo(t.getTime(), HOUR_MS));
