// Timestamps in query strings and bodies: strict ISO 8601 text only, within the range PostgreSQL and every client
// agree on. `@Type(() => Date)` alone let numbers, booleans and strings such as "5" through as dates, and let
// years PostgreSQL cannot store reach the database (a 500).
import { applyDecorators } from '@nestjs/common';
import { Transform } from 'class-transformer';
import { IsDate, ValidationOptions } from 'class-validator';
import { CommonException } from '../errors';

// A date, optionally with a time (seconds and fraction optional) and a zone; a time without a zone is UTC.
const ISO_8601 = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/i;
const MIN_YEAR = 1970;
const MAX_YEAR = 9999;

/**
 * The Date a strict ISO 8601 timestamp stands for, or null for anything else (other types, overflowing fields, odd
 * years).
 */
export function parseTimestamp(value: unknown): Date | null {
  if (typeof value !== 'string' || value.length > 40) return null;
  const m = ISO_8601.exec(value.trim());
  if (!m) return null;
  const [, year, month, day, hour, , , zone] = m;
  // The calendar date as written must exist (new Date() rolls 2026-02-31 over into March, whatever the zone).
  const daysInMonth = new Date(Date.UTC(Number(year), Number(month), 0)).getUTCDate();
  if (Number(month) < 1 || Number(month) > 12 || Number(day) < 1 || Number(day) > daysInMonth) return null;
  const text = hour !== undefined && zone === undefined ? `${value.trim()}Z` : value.trim();
  const date = new Date(text);
  if (Number.isNaN(date.getTime())) return null;
  // Also in UTC: 9999-12-31T23:59-14:00 is already year 10000.
  if (date.getUTCFullYear() < MIN_YEAR || date.getUTCFullYear() > MAX_YEAR) return null;
  return date;
}

/** The property is a strict ISO 8601 timestamp (see parseTimestamp), delivered to the handler as a Date. */
export function IsTimestamp(options: ValidationOptions = {}): PropertyDecorator {
  return applyDecorators(
    Transform(({ value }: { value: unknown }) =>
      value === undefined || value === null ? value : (parseTimestamp(value) ?? value),
    ),
    IsDate({
      message: ({ property }) => `${property} must be an ISO 8601 timestamp such as 2026-11-23T12:00:00Z`,
      ...options,
    }),
  );
}

/**
 * 400 validation_failed unless since is before until (when both are given) and, with maxDays, the window is at most
 * that long.
 */
export function assertTimeWindow(since: Date | undefined, until: Date | undefined, maxDays?: number): void {
  if (since && until && since.getTime() >= until.getTime()) {
    throw CommonException.validation('since must be before until', [
      { field: 'since', message: 'must be before until' },
    ]);
  }
  if (maxDays !== undefined && since && until && until.getTime() - since.getTime() > maxDays * 86_400_000) {
    throw CommonException.validation(`since and until must be at most ${maxDays} days apart`, [
      { field: 'since', message: `window longer than ${maxDays} days` },
    ]);
  }
}
