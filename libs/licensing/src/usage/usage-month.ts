// Months of the usage count and the compliance report: calendar months in UTC, named YYYY-MM, stored as their 1st.
import { LicensingException } from '../licensing.exception';

export interface UsageMonth {
  /** YYYY-MM */
  name: string;
  /** Its first instant (UTC midnight of the 1st). */
  start: Date;
  /** The first instant of the next month. */
  end: Date;
}

const MONTH = /^(\d{4})-(0[1-9]|1[0-2])$/;
/** The oldest month a report is asked for: anything before it is a typo, not a month Conduit counted. */
const FIRST_YEAR = 2000;

/** The month t falls in (UTC). */
export function monthOf(t: Date): UsageMonth {
  return monthStarting(t.getUTCFullYear(), t.getUTCMonth());
}

/** The month `count` months after (or before, when negative) this one. */
export function monthsAfter(month: UsageMonth, count: number): UsageMonth {
  return monthStarting(month.start.getUTCFullYear(), month.start.getUTCMonth() + count);
}

/** The date column's value for a month: 'YYYY-MM-01'. */
export function monthDate(month: UsageMonth): string {
  return `${month.name}-01`;
}

/**
 * The month a report asks for (`?month=YYYY-MM`; the current month when absent), or 400 invalid_report_month: not a
 * YYYY-MM month, before 2000, or after the current month (nothing is counted there yet).
 */
export function parseReportMonth(value: string | undefined, now: Date): UsageMonth {
  const current = monthOf(now);
  if (value === undefined) return current;
  const match = MONTH.exec(value);
  if (!match)
    throw new LicensingException('invalid_report_month', 'month must be a month as YYYY-MM, such as 2026-11', [
      { field: 'month', message: 'expected YYYY-MM' },
    ]);
  const year = Number(match[1]);
  if (year < FIRST_YEAR)
    throw new LicensingException('invalid_report_month', `month must be ${FIRST_YEAR}-01 or later`, [
      { field: 'month', message: `before ${FIRST_YEAR}-01` },
    ]);
  const month = monthStarting(year, Number(match[2]) - 1);
  if (month.start.getTime() > current.start.getTime())
    throw new LicensingException(
      'invalid_report_month',
      `month must not be after the current month (${current.name})`,
      [{ field: 'month', message: `after ${current.name}` }],
    );
  return month;
}

function monthStarting(year: number, monthIndex: number): UsageMonth {
  const start = new Date(Date.UTC(year, monthIndex, 1));
  const end = new Date(Date.UTC(year, monthIndex + 1, 1));
  const name = `${String(start.getUTCFullYear()).padStart(4, '0')}-${String(start.getUTCMonth() + 1).padStart(2, '0')}`;
  return { name, start, end };
}
