// Names, titles and labels people give things (a tenant's name, a chain's steps, an API key's label): stored without
// surrounding whitespace, and never blank. Length(1, n) alone let "   " through as a name no list could show.
import { applyDecorators } from '@nestjs/common';
import { Transform } from 'class-transformer';
import { IsString, MaxLength, MinLength } from 'class-validator';
import { CommonException } from '../errors';

/**
 * The text without surrounding whitespace (String.prototype.trim: Unicode spaces and line breaks); anything else as it
 * is.
 */
export function trimName(value: unknown): unknown {
  return typeof value === 'string' ? value.trim() : value;
}

/** A string, trimmed before it is checked and stored, of 1 to maxLength characters once trimmed. */
export function IsName(maxLength = 200): PropertyDecorator {
  return applyDecorators(
    Transform(({ value }: { value: unknown }) => trimName(value)),
    IsString(),
    MinLength(1, { message: '$property must not be empty or only whitespace' }),
    MaxLength(maxLength, { message: `$property must be at most ${maxLength} characters` }),
  );
}

/**
 * The trimmed name, or 400 validation_failed when it is blank or too long: for paths with no DTO (CLI, first start).
 */
export function assertName(value: string, field: string, maxLength = 200): string {
  const name = value.trim();
  const problem =
    name === ''
      ? `${field} must not be empty or only whitespace`
      : name.length > maxLength
        ? `${field} must be at most ${maxLength} characters`
        : null;
  if (problem) throw CommonException.validation(problem, [{ field, message: problem }]);
  return name;
}
