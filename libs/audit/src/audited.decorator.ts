// How a mutating route is audited: the API's request interceptor records each one with the action and target named
// here, unless its service writes its own rows.
import { SetMetadata } from '@nestjs/common';

export const AUDIT_ACTION = 'conduit:audit';

export interface AuditSpec {
  action: string;
  target: string;
  /** The handler writes the success row itself, with its change; the interceptor records only a failure. */
  successInHandler?: boolean;
  /**
   * What the row keeps of the request body (default: the body, secret-looking keys masked): for a body with a value
   * that should not be copied whole into the trail (a licence token: its fingerprint is enough).
   */
  changes?: (body: Record<string, unknown>) => Record<string, unknown> | null;
}

/** Names the audit action and target type a mutating route records (default: method and path). */
export const Audited = (action: string, target: string, options: Pick<AuditSpec, 'changes'> = {}) =>
  SetMetadata(AUDIT_ACTION, { action, target, ...options } satisfies AuditSpec);

/**
 * Like Audited, for a route with @OwnTransactions() whose handler commits its change and the success row together
 * itself (publishing's group commit), built with requestAuditEntry() as the interceptor would build it. A failure is
 * still recorded by the interceptor, in a transaction of its own.
 */
export const AuditedInHandler = (action: string, target: string, options: Pick<AuditSpec, 'changes'> = {}) =>
  SetMetadata(AUDIT_ACTION, { action, target, successInHandler: true, ...options } satisfies AuditSpec);

/** The route's service writes its own audit rows (login, refresh, logout). */
export const AuditedByService = () => SetMetadata(AUDIT_ACTION, false);
