// The audit entry of an API request: what the API's interceptor records for a mutating route, and what a route that
// writes its own success row (AuditedInHandler) records, column for column the same.
import type { FastifyRequest } from 'fastify';
import type { RequestIdentity } from '@conduit/access';
import { requestMeta } from '@conduit/platform';
import type { AuditEntry } from './audit-log';
import type { AuditSpec } from './audited.decorator';

/**
 * `identity` is the tenant the request ended up acting in; `targetId` the resource it created or changed (null when
 * none). The request body is the entry's `changes` (AuditLog masks secret-looking keys).
 */
export function requestAuditEntry(
  identity: RequestIdentity,
  req: FastifyRequest,
  spec: AuditSpec | undefined,
  status: number,
  targetId: string | null,
): AuditEntry {
  const body =
    typeof req.body === 'object' && req.body !== null && !Array.isArray(req.body)
      ? (req.body as Record<string, unknown>)
      : null;
  const meta = requestMeta(req);
  return {
    tenantId: identity.tenant.id,
    action: spec?.action ?? `${req.method.toLowerCase()} ${req.routeOptions.url ?? req.url}`,
    outcome: status < 400 ? 'success' : status === 401 || status === 403 || status === 404 ? 'denied' : 'failure',
    actor: { type: identity.principal.kind, id: identity.principal.id, label: identity.principal.label },
    target: { type: spec?.target ?? 'unknown', id: targetId },
    statusCode: status,
    ip: meta.ip,
    userAgent: meta.userAgent,
    requestId: meta.requestId,
    changes: body && spec?.changes ? spec.changes(body) : body,
    metadata:
      identity.tenant.id !== identity.principal.homeTenantId
        ? { home_tenant_id: identity.principal.homeTenantId }
        : null,
  };
}
