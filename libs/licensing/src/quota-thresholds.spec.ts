import { crossedThresholds, percentOf } from './quota-thresholds';

describe('events_per_month thresholds', () => {
  it('warns at 80% and reports reaching the limit, both once crossed at once', () => {
    expect(crossedThresholds(0, 10)).toEqual([]);
    expect(crossedThresholds(7, 10)).toEqual([]);
    expect(crossedThresholds(8, 10)).toEqual(['warning']);
    expect(crossedThresholds(9, 10)).toEqual(['warning']);
    expect(crossedThresholds(10, 10)).toEqual(['warning', 'reached']);
    expect(crossedThresholds(25, 10)).toEqual(['warning', 'reached']);
    // 80% of 7 is 5.6: the 6th event warns.
    expect(crossedThresholds(5, 7)).toEqual([]);
    expect(crossedThresholds(6, 7)).toEqual(['warning']);
    // 80% of 15 is 12 exactly (15 * 0.8 is 12.000000000000002 in floating point: its ceiling would wait for 13).
    expect(crossedThresholds(12, 15)).toEqual(['warning']);
    expect(crossedThresholds(11, 15)).toEqual([]);
  });

  it('never fires for an unlimited quota or nothing used', () => {
    expect(crossedThresholds(10 ** 9, null)).toEqual([]);
    expect(crossedThresholds(0, 0)).toEqual([]);
  });

  it('gives whole percentages, rounded down', () => {
    expect(percentOf(799, 1000)).toBe(79);
    expect(percentOf(800, 1000)).toBe(80);
    expect(percentOf(2500, 1000)).toBe(250);
    expect(percentOf(5, null)).toBeNull();
  });
});
