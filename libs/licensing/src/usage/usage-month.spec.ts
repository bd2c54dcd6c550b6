import { LicensingException } from '../licensing.exception';
import { monthDate, monthOf, monthsAfter, parseReportMonth } from './usage-month';

const NOW = new Date('2026-11-15T10:00:00Z');

function refusal(value: string): LicensingException {
  try {
    parseReportMonth(value, NOW);
  } catch (err) {
    return err as LicensingException;
  }
  throw new Error(`${value} was accepted`);
}

describe('report months', () => {
  it('reads YYYY-MM as the UTC calendar month, up to the current one', () => {
    const month = parseReportMonth('2026-02', NOW);
    expect(month.name).toBe('2026-02');
    expect(month.start.toISOString()).toBe('2026-02-01T00:00:00.000Z');
    expect(month.end.toISOString()).toBe('2026-03-01T00:00:00.000Z');
    expect(parseReportMonth('2026-11', NOW).name).toBe('2026-11');
    expect(parseReportMonth('2025-12', NOW).end.toISOString()).toBe('2026-01-01T00:00:00.000Z');
    expect(parseReportMonth('2000-01', NOW).name).toBe('2000-01');
  });

  it('takes the current month when none is given', () => {
    expect(parseReportMonth(undefined, NOW).name).toBe('2026-11');
  });

  it('refuses anything else with 400 invalid_report_month', () => {
    for (const bad of [
      '2026-1',
      '2026-13',
      '2026-00',
      '26-11',
      '2026/11',
      '2026-11-01',
      ' 2026-11',
      '2026-11 ',
      '',
      'abcd-ef',
      '２０２６-11',
      '1999-12',
      '0001-01',
      '2026-12',
      '2027-01',
      '9999-12',
    ]) {
      const err = refusal(bad);
      expect(err, bad).toBeInstanceOf(LicensingException);
      expect(err.code, bad).toBe('invalid_report_month');
      expect(err.status, bad).toBe(400);
    }
  });

  it('finds a month from an instant in UTC, whatever the local time zone would say', () => {
    expect(monthOf(new Date('2026-10-31T23:59:59.999Z')).name).toBe('2026-10');
    expect(monthOf(new Date('2026-11-01T00:00:00.000Z')).name).toBe('2026-11');
    expect(monthDate(monthOf(NOW))).toBe('2026-11-01');
  });

  it('steps months across years', () => {
    expect(monthsAfter(monthOf(new Date('2026-01-10T00:00:00Z')), -1).name).toBe('2025-12');
    expect(monthsAfter(monthOf(new Date('2026-12-10T00:00:00Z')), 1).name).toBe('2027-01');
  });
});
