import { ConduitException, ErrorDetail, HttpStatusCode } from '@conduit/platform';

export type IsolationErrorCode =
  | 'invalid_database_url' // not a postgres URL with a host and a database
  | 'database_host_not_allowed' // its host is not in DEDICATED_DATABASE_HOSTS
  | 'database_unreachable' // no connection could be made with it
  | 'database_setup_failed' // connected, but the migrations or the runtime role failed there
  | 'tenant_not_empty' // the tenant has rows to move first (tenant:move, a later slice)
  | 'tenant_move_required' // a dedicated tenant back to shared, or to another database: tenant:move
  | 'tenant_not_found';

const STATUS: Record<IsolationErrorCode, HttpStatusCode> = {
  invalid_database_url: 400,
  database_host_not_allowed: 400,
  database_unreachable: 400,
  database_setup_failed: 400,
  tenant_not_empty: 409,
  tenant_move_required: 409,
  tenant_not_found: 404,
};

export class IsolationException extends ConduitException<IsolationErrorCode> {
  constructor(code: IsolationErrorCode, message: string, details: ErrorDetail[] = []) {
    super(code, STATUS[code], message, details);
  }
}
