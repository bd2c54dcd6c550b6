// An imported body is checked by the class-validator rules of its create route with the API's own options
// (STRICT_INPUT, STRICT_TRANSFORM from @conduit/platform, which the global ValidationPipe uses), so importing cannot
// skip a DTO rule. Failures become the item's problems, with their path in the document.
import { plainToInstance } from 'class-transformer';
import { ValidationError, validate } from 'class-validator';
import { STRICT_INPUT, STRICT_TRANSFORM } from '@conduit/platform';
import type { ImportProblem } from '../format/transfer-document';

type DtoClass<T> = new () => T;

/** The body as an instance of the DTO, or the problems refusing it (paths under `at`, e.g. `apps[0].integration`). */
export async function validatedBody<T extends object>(
  dto: DtoClass<T>,
  body: unknown,
  at: string,
): Promise<{ value: T; problems: [] } | { value: null; problems: ImportProblem[] }> {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    return { value: null, problems: [{ code: 'validation_failed', message: `${at} must be an object`, field: at }] };
  const value = plainToInstance(dto, body, STRICT_TRANSFORM);
  const errors = await validate(value, STRICT_INPUT);
  if (errors.length === 0) return { value, problems: [] };
  return { value: null, problems: flatten(errors, at) };
}

function flatten(errors: ValidationError[], parent: string): ImportProblem[] {
  return errors.flatMap((e) => {
    const field = /^\d+$/.test(e.property) ? `${parent}[${e.property}]` : `${parent}.${e.property}`;
    const own = Object.values(e.constraints ?? {}).map((message) => ({
      code: 'validation_failed',
      field,
      message: message.includes('should not exist') ? `${field} is not a known field` : `${field}: ${message}`,
    }));
    return [...own, ...flatten(e.children ?? [], field)];
  });
}
