import { ValidationError, ValidationPipe } from '@nestjs/common';
import { ErrorDetail, CommonException, STRICT_INPUT, STRICT_TRANSFORM } from '@conduit/platform';

function flatten(errors: ValidationError[], parent = ''): ErrorDetail[] {
  return errors.flatMap((e) => {
    const field = parent ? `${parent}.${e.property}` : e.property;
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
