import { DAY_MS, HOUR_MS, hourRanges, planWindow } from './rollup-plan';

const t = (iso: string) => new Date(iso);
const iso = (ds: Date[]) => ds.map((d) => d.toISOString());
const ranges = (rs: readonly (readonly [Date, Date])[]) => rs.map(([a, b]) => [a.toISOString(), b.toISOString()]);

describe('planWindow', () => {
  it('counts everything live when nothing is rolled up', () => {
    const plan = planWindow(t('2026-11-01T10:30:00Z'), t('2026-11-03T10:30:00Z'), null, []);
    expect(plan).toEqual({ days: [], hours: [], live: [[t('2026-11-01T10:30:00Z'), t('2026-11-03T10:30:00Z')]] });
  });

  it('reads whole days as day rollups, the hours around them as hour rollups, and the ragged ends live', () => {
    const plan = planWindow(t('2026-11-01T22:30:00Z'), t('2026-11-04T01:15:00Z'), t('2026-11-05T00:00:00Z'), []);
    expect(iso(plan.days)).toEqual(['2026-11-02T00:00:00.000Z', '2026-11-03T00:00:00.000Z']);
    expect(iso(plan.hours)).toEqual(['2026-11-01T23:00:00.000Z', '2026-11-04T00:00:00.000Z']);
    expect(ranges(plan.live)).toEqual([
      ['2026-11-01T22:30:00.000Z', '2026-11-01T23:00:00.000Z'],
      ['2026-11-04T01:00:00.000Z', '2026-11-04T01:15:00.000Z'],
    ]);
  });

  it('counts live what is not rolled up yet, and a stale hour, whose day is then read by the hour', () => {
    const plan = planWindow(t('2026-11-01T00:00:00Z'), t('2026-11-03T12:00:00Z'), t('2026-11-03T09:00:00Z'), [
      t('2026-11-02T05:00:00Z'),
    ]);
    expect(iso(plan.days)).toEqual(['2026-11-01T00:00:00.000Z']);
    expect(plan.hours).toHaveLength(23 + 9);
    expect(iso(plan.hours)).not.toContain('2026-11-02T05:00:00.000Z');
    expect(ranges(plan.live)).toEqual([
      ['2026-11-02T05:00:00.000Z', '2026-11-02T06:00:00.000Z'],
      ['2026-11-03T09:00:00.000Z', '2026-11-03T12:00:00.000Z'],
    ]);
  });

  it('covers every instant of the window exactly once', () => {
    const since = t('2026-10-02T07:13:00Z');
    const until = t('2026-11-01T18:41:00Z');
    const stale = [t('2026-10-10T03:00:00Z'), t('2026-10-31T23:00:00Z'), t('2026-10-31T22:00:00Z')];
    const plan = planWindow(since, until, t('2026-11-01T17:00:00Z'), stale);
    const covered = [
      ...plan.days.map((d) => [d.getTime(), d.getTime() + DAY_MS]),
      ...plan.hours.map((h) => [h.getTime(), h.getTime() + HOUR_MS]),
      ...plan.live.map(([a, b]) => [a.getTime(), b.getTime()]),
    ].sort((a, b) => a[0] - b[0]);
    expect(covered[0][0]).toBe(since.getTime());
    for (let i = 1; i < covered.length; i++) expect(covered[i][0]).toBe(covered[i - 1][1]);
    expect(covered[covered.length - 1][1]).toBe(until.getTime());
    expect(plan.days.length).toBeGreaterThan(25);
  });
});

describe('hourRanges', () => {
  it('joins adjacent hours and drops repeats', () => {
    const hours = ['2026-11-01T03:00:00Z', '2026-11-01T01:00:00Z', '2026-11-01T02:00:00Z', '2026-11-01T02:00:00Z'];
    expect(ranges(hourRanges([...hours, '2026-11-01T07:00:00Z'].map(t)))).toEqual([
      ['2026-11-01T01:00:00.000Z', '2026-11-01T04:00:00.000Z'],
      ['2026-11-01T07:00:00.000Z', '2026-11-01T08:00:00.000Z'],
    ]);
  });
});
