import { addStats, bucketValue, durationBucket, histogramPercentiles, topCounts } from './rollup-stats';

describe('addStats', () => {
  it('adds counts and maps of counts, whatever is missing on either side', () => {
    const a = { deliveries: 3, latency: { '10': 2, '70': 1 }, errors: { timeout: 1 } };
    const b = { deliveries: 2, failed: 1, latency: { '70': 4 } };
    expect(addStats(a, b)).toEqual({
      deliveries: 5,
      failed: 1,
      latency: { '10': 2, '70': 5 },
      errors: { timeout: 1 },
    });
    expect(a.latency).toEqual({ '10': 2, '70': 1 });
  });
});

describe('duration histogram', () => {
  it('keeps whole milliseconds below 64 and buckets 5% wide above, within 2.5% of the value', () => {
    expect(durationBucket(0)).toBe(0);
    expect(durationBucket(63.9)).toBe(63);
    for (const ms of [64, 100, 999, 1000, 30_000, 600_000]) {
      const value = bucketValue(durationBucket(ms));
      expect(Math.abs(value - ms) / ms).toBeLessThanOrEqual(0.025);
    }
    expect(durationBucket(1000)).toBeGreaterThan(durationBucket(950));
  });

  it('reads percentiles as percentile_cont does over the buckets, exact below 64 ms', () => {
    const h: Record<string, number> = {};
    for (const ms of [10, 20, 30, 40]) h[durationBucket(ms)] = (h[durationBucket(ms)] ?? 0) + 1;
    // percentile_cont(0.5) of 10, 20, 30, 40 is 25; of p95: 38.5
    expect(histogramPercentiles(h, [0.5, 0.95])).toEqual([25, 38.5]);
    h[durationBucket(1000)] = 1;
    const [p50, p95] = histogramPercentiles(h, [0.5, 0.95]) as number[];
    expect(p50).toBe(30);
    // exact: 40 + 0.8 * (1000 - 40) = 808
    expect(Math.abs(p95 - 808) / 808).toBeLessThan(0.025);
    expect(histogramPercentiles({}, [0.5])).toEqual([null]);
  });
});

describe('topCounts', () => {
  it('takes the highest counts, ties by label', () => {
    expect(topCounts({ b: 2, a: 2, c: 5, d: 1 }, 3)).toEqual([
      { label: 'c', count: 5 },
      { label: 'a', count: 2 },
      { label: 'b', count: 2 },
    ]);
  });
});
