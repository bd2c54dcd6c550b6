import { ConduitException, HttpStatusCode } from '@conduit/platform';

export type TenantErrorCode =
  | 'tenant_not_found'
  | 'tenant_code_taken'
  | 'tenant_has_children'
  | 'tenant_parent_invalid'
  | 'tenant_parent_cycle'
  | 'tenant_update_forbidden'
  | 'isolation_requires_database'
  | 'user_not_found'
  | 'email_taken'
  | 'role_not_allowed'
  | 'cannot_remove_self'
  | 'cannot_change_own_role'
  | 'cannot_change_own_status'
  | 'last_admin';

const STATUS: Record<TenantErrorCode, HttpStatusCode> = {
  tenant_not_found: 404,
  tenant_code_taken: 409,
  tenant_has_children: 409,
  tenant_parent_invalid: 400,
  tenant_parent_cycle: 400,
  tenant_update_forbidden: 403,
  isolation_requires_database: 400,
  user_not_found: 404,
  email_taken: 409,
  role_not_allowed: 403,
  cannot_remove_self: 409,
  cannot_change_own_role: 403,
  cannot_change_own_status: 403,
  last_admin: 409,
};

export class TenantException extends ConduitException<TenantErrorCode> {
  constructor(code: TenantErrorCode, message: string) {
    super(code, STATUS[code], message);
  }
}
