// The figures an analytics rollup keeps per key (a subscription, a chain) and period: counts, and maps of counts
// (a duration histogram, error classes). Rollup rows, live rows and whole windows are all this shape, so any mix of
// them adds up with one function and a window's answer does not depend on how much of it came from rollups.

/** Counts, and maps from a label (a histogram bucket, an error class) to a count. */
export type RollupStats = Record<string, number | Record<string, number>>;

/** Adds b into a (both left as they are; a new object is returned). */
export function addStats(a: RollupStats, b: RollupStats): RollupStats {
  const sum: RollupStats = { ...a };
  for (const [field, value] of Object.entries(b)) {
    const mine = sum[field];
    if (typeof value === 'number') {
      sum[field] = (typeof mine === 'number' ? mine : 0) + value;
    } else {
      const map: Record<string, number> = { ...(typeof mine === 'object' ? mine : {}) };
      for (const [label, n] of Object.entries(value)) map[label] = (map[label] ?? 0) + n;
      sum[field] = map;
    }
  }
  return sum;
}

/** A count field of stats (0 when absent). */
export function count(stats: RollupStats, field: string): number {
  const value = stats[field];
  return typeof value === 'number' ? value : 0;
}

/** A map field of stats ({} when absent). */
export function counts(stats: RollupStats, field: string): Record<string, number> {
  const value = stats[field];
  return typeof value === 'object' ? value : {};
}

/**
 * Durations are kept as a histogram: whole milliseconds below EXACT_BELOW_MS, then buckets 5% wide. A percentile read
 * from it is within 2.5% of the exact one (exact below 64 ms) and the histogram of any window is at most ~300 labels
 * (up to a day), whatever the number of deliveries: what lets a month of rollups add up in milliseconds.
 */
const EXACT_BELOW_MS = 64;
const GROWTH = 1.05;

/** SQL for the bucket of a duration in milliseconds (an integer expression). Same as durationBucket. */
export function durationBucketSql(ms: string): string {
  return `(CASE WHEN ${ms} < ${EXACT_BELOW_MS} THEN floor(greatest(${ms}, 0))::int
           ELSE ${EXACT_BELOW_MS} + floor(ln(${ms}::float8 / ${EXACT_BELOW_MS}) / ln(${GROWTH}))::int END)`;
}

/** The bucket of a duration in milliseconds, as durationBucketSql computes it. */
export function durationBucket(ms: number): number {
  if (ms < EXACT_BELOW_MS) return Math.max(Math.floor(ms), 0);
  return EXACT_BELOW_MS + Math.floor(Math.log(ms / EXACT_BELOW_MS) / Math.log(GROWTH));
}

/** The value a bucket stands for: its milliseconds when exact, else the geometric middle of its range. */
export function bucketValue(bucket: number): number {
  if (bucket < EXACT_BELOW_MS) return bucket;
  return EXACT_BELOW_MS * GROWTH ** (bucket - EXACT_BELOW_MS + 0.5);
}

/**
 * Percentiles of a histogram ({bucket: count}) as percentile_cont computes them over the buckets' values: the value
 * at rank p·(n-1), interpolated between its neighbours. null for an empty histogram.
 */
export function histogramPercentiles(histogram: Record<string, number>, ps: number[]): (number | null)[] {
  const buckets = Object.entries(histogram)
    .map(([bucket, n]) => [Number(bucket), n] as const)
    .filter(([, n]) => n > 0)
    .sort((a, b) => a[0] - b[0]);
  const total = buckets.reduce((sum, [, n]) => sum + n, 0);
  if (total === 0) return ps.map(() => null);
  /** The value of the rank-th (0-based) duration in order. */
  const at = (rank: number): number => {
    let seen = 0;
    for (const [bucket, n] of buckets) {
      seen += n;
      if (rank < seen) return bucketValue(bucket);
    }
    return bucketValue(buckets[buckets.length - 1][0]);
  };
  return ps.map((p) => {
    const rank = p * (total - 1);
    const low = Math.floor(rank);
    const below = at(low);
    return rank === low ? below : below + (rank - low) * (at(low + 1) - below);
  });
}

/** The n labels of a map with the highest counts (ties by label), as {label, count}. */
export function topCounts(map: Record<string, number>, n: number): { label: string; count: number }[] {
  return Object.entries(map)
    .filter(([, c]) => c > 0)
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .slice(0, n)
    .map(([label, c]) => ({ label, count: c }));
}
