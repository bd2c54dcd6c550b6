// SCIM changes in the tenant's audit trail, written in the change's own transaction; the actor is the SCIM token.
import { Injectable } from '@nestjs/common';
import { AuditLog } from '@conduit/audit';
import type { ScimCaller } from './scim-caller';

@Injectable()
export class ScimAudit {
  constructor(private readonly audit: AuditLog) {}

  record(
    caller: ScimCaller,
    action: string,
    target: { type: 'User' | 'Group'; id: string },
    statusCode: number,
    changes?: Record<string, unknown>,
  ): Promise<void> {
    return this.audit.record({
      tenantId: caller.tenantId,
      action,
      outcome: 'success',
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
