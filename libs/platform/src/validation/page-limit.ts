// The `limit` of every list: an integer from 1 to 200 written in decimal digits. `@Type(() => Number)` let
// `0x10`, `1e2` and ` 5 ` through as numbers, an API whose inputs mean more than they say.
import { applyDecorators } from '@nestjs/common';
import { Transform } from 'class-transformer';
import { IsInt, Max, Min } from 'class-validator';

export const MAX_PAGE_LIMIT = 200;

/** A query string's limit as a number when it is plain decimal digits; anything else is left for IsInt to refuse. */
export function parsePageLimit(value: unknown): unknown {
  return typeof value === 'string' && /^\d{1,4}$/.test(value) ? Number(value) : value;
}

export function IsPageLimit(): PropertyDecorator {
  return applyDecorators(
    Transform(({ value }: { value: unknown }) => parsePageLimit(value)),
    IsInt({ message: 'limit must be a whole number from 1 to 200' }),
    Min(1),
    Max(MAX_PAGE_LIMIT),
  );
}
