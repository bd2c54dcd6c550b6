// Tenant codes: what a tenant is addressed by besides its id. A reference shaped like a UUID is looked up as an id
// (TenantHierarchy.find), so a code of that shape could never be used and is refused.
import { ValidateBy, ValidationArguments, ValidationOptions } from 'class-validator';
import { CommonException, isUuid } from '@conduit/platform';

const TENANT_CODE = /^[a-z0-9][a-z0-9-]{1,62}$/;

/** Why `value` is not a tenant code, or null when it is one. */
export function tenantCodeProblem(value: unknown): string | null {
  if (typeof value !== 'string' || !TENANT_CODE.test(value))
    return 'code must be 2-63 lower-case letters, digits or dashes';
  if (isUuid(value)) return 'code must not be shaped like a UUID (such references name tenants by id)';
  return null;
}

export function IsTenantCode(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isTenantCode',
      validator: {
        validate: (value: unknown) => tenantCodeProblem(value) === null,
        defaultMessage: (args?: ValidationArguments) => tenantCodeProblem(args?.value) ?? 'code is not valid',
      },
    },
    options,
  );
}

/** 400 validation_failed unless `code` is a tenant code: for paths with no DTO (CLI, first start). */
export function assertTenantCode(code: string): void {
  const problem = tenantCodeProblem(code);
  if (problem) throw CommonException.validation(problem, [{ field: 'code', message: problem }]);
}
