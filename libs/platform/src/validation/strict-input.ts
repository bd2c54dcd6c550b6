// How every request body is checked against its DTO: the API's global ValidationPipe, and the transfer import,
// which checks each imported body against its create route's DTO with the same rules so importing cannot skip one.
import type { ValidatorOptions } from 'class-validator';

/** Whitelisted, unknown keys refused, no value echoed back in an error. */
export const STRICT_INPUT: ValidatorOptions = {
  whitelist: true,
  forbidNonWhitelisted: true,
  validationError: { target: false, value: false },
};

/** No implicit conversion: a number sent as "5" is a type error, not a 5. */
export const STRICT_TRANSFORM = { enableImplicitConversion: false } as const;
