import { ValidateIf } from 'class-validator';

/**
 * The property may be left out, but when present it is validated, null included. class-validator's IsOptional()
 * skips null as well, which let `{"app_name": null}` through a PATCH to a NOT NULL column (a 500).
 */
export const IsOptionalButNotNull = (): PropertyDecorator =>
  ValidateIf((_object, value: unknown) => value !== undefined);
