import { ConduitException, ErrorDetail, HttpStatusCode } from '@conduit/platform';

export type IntegrationsErrorCode =
  | 'integration_not_found'
  | 'integration_name_exists'
  | 'invalid_field_definition'
  | 'integration_not_owned'
  | 'shared_integration_in_other_database'
  | 'integration_has_dependents'
  | 'instance_not_found'
  | 'instance_has_dependents'
  | 'instance_title_exists'
  | 'invalid_instance_config'
  | 'secrets_required_for_new_host'
  | 'logo_not_found'
  | 'logo_type_not_allowed'
  | 'logo_too_large'
  | 'logo_unsafe';

const STATUS: Record<IntegrationsErrorCode, HttpStatusCode> = {
  integration_not_found: 404,
  integration_name_exists: 409,
  invalid_field_definition: 400,
  integration_not_owned: 403,
  shared_integration_in_other_database: 409,
  integration_has_dependents: 409,
  instance_not_found: 404,
  instance_has_dependents: 409,
  instance_title_exists: 409,
  invalid_instance_config: 400,
  secrets_required_for_new_host: 400,
  logo_not_found: 404,
  logo_type_not_allowed: 400,
  logo_too_large: 413,
  logo_unsafe: 400,
};

export class IntegrationsException extends ConduitException<IntegrationsErrorCode> {
  constructor(code: IntegrationsErrorCode, message: string, details: ErrorDetail[] = []) {
    super(code, STATUS[code], message, details);
  }
}

export const integrationNotFound = () => new IntegrationsException('integration_not_found', 'Integration not found');
export const nameExists = (title: string) =>
  new IntegrationsException(
    'integration_name_exists',
    `The tenant already has an integration titled ${JSON.stringify(title)}`,
    [{ field: 'title', message: 'already used by another integration of the tenant' }],
  );
