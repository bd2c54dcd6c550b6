// How a mutating route is audited: the API's request interceptor records each one with the action and target named
// here, unless its service writes its own rows.
import { SetMetadata } from '@nestjs/common';

export const AUDIT_ACTION = 'conduit:audit';

export interface AuditSpec {
  action: string;
  target: string;
}

/** Names the audit action and target type a mutating route records (default: method and path). */
export const Audited = (action: string, target: string) =>
  SetMetadata(AUDIT_ACTION, { action, target } satisfies AuditSpec);

/** The route's service writes its own audit rows (login, refresh, logout). */
export const AuditedByService = () => SetMetadata(AUDIT_ACTION, false);
