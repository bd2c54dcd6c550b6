import { ValidationError, ValidationPipe } from '@nestjs/common';
import { ErrorDetail, CommonException, STRICT_INPUT, STRICT_TRANSFORM } from '@conduit/platform';

/**
 * One detail per constraint, each naming its field as the rest of the API does: `a.b` for an object's key, `a[0]`
 * for an array's item (class-validator names an item by its index, as a key of the array; a DTO property is never
 * all digits).
 */
function flatten(errors: ValidationError[], parent = ''): ErrorDetail[] {
  return errors.flatMap((e) => {
    const field = !parent
      ? e.property
      : /^\d+$/.test(e.property)
        ? `${parent}[${e.property}]`
        : `${parent}.${e.property}`;
    const own = Object.values(e.constraints ?? {}).map((message) =>
      message.includes('should not exist') ? { field, message: `${field} is not a known field` } : { field, message },
    );
    return [...own, ...flatten(e.children ?? [], field)];
  });
}

/** Whitelisted, strictly typed input: unknown fields and wrong types are 400 validation_failed with field details. */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    ...STRICT_INPUT,
    transform: true,
    transformOptions: STRICT_TRANSFORM,
    exceptionFactory: (errors) => {
      const details = flatten(errors);
      return CommonException.validation(details[0]?.message ?? 'Request is not valid', details);
    },
  });
}
