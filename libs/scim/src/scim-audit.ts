// SCIM changes in the tenant's audit trail, written in the change's own transaction (a refusal in one of its own); the
// actor is the SCIM token.
import { Injectable } from '@nestjs/common';
import { AuditLog } from '@conduit/audit';
import type { ScimCaller } from './scim-caller';

@Injectable()
export class ScimAudit {
  constructor(private readonly audit: AuditLog) {}

  record(
    caller: ScimCaller,
    action: string,
    target: { type: 'User' | 'Group'; id: string | null },
    statusCode: number,
    changes?: Record<string, unknown>,
  ): Promise<void> {
    return this.audit.record({
      tenantId: caller.tenantId,
      action,
      outcome: statusCode < 400 ? 'success' : [401, 403, 404].includes(statusCode) ? 'denied' : 'failure',
      actor: { type: 'system', id: caller.tokenId, label: `scim:${caller.tokenName}` },
      target,
      statusCode,
      ip: caller.ip,
      userAgent: caller.userAgent,
      requestId: caller.requestId,
      changes: changes ?? null,
    });
  }
}

/** The audit action of a mutating /scim/v2 request (`POST /scim/v2/Users` → scim.user.create), or null. */
export function scimAction(method: string, url: string): { action: string; type: 'User' | 'Group' } | null {
  const match = /^\/scim\/v2\/(Users|Groups)(?:\/|\?|$)/.exec(url);
  const verb = { POST: 'create', PUT: 'replace', PATCH: 'patch', DELETE: 'delete' }[method];
  if (!match || !verb) return null;
  const type = match[1] === 'Users' ? 'User' : 'Group';
  return { action: `scim.${type.toLowerCase()}.${verb}`, type };
}
