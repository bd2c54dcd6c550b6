import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { AccessException, AccessService, PUBLIC_ROUTE, ROUTE_POLICY, RoutePolicy } from '@conduit/access';
import { AuditLog } from '@conduit/audit';
import { requestMeta } from '@conduit/platform';
import { guardsPassed } from './request-transaction';

/** Second guard: the route's declared policy must allow the caller. Routes without one are refused. */
@Injectable()
export class PoliciesGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly access: AccessService,
    private readonly audit: AuditLog,
  ) {}

  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, targets)) return true;
    const policy = this.reflector.getAllAndOverride<RoutePolicy | undefined>(ROUTE_POLICY, targets);
    if (!policy) throw new AccessException('forbidden', 403, 'This route declares no policy');
    if (policy.kind === 'authenticated' || this.access.can(policy.action, policy.subject)) {
      guardsPassed(context.getHandler());
      return true;
    }
    return this.refuse(context, policy);
  }

  /** Audits a refused mutation, then refuses (403). */
  private async refuse(context: ExecutionContext, policy: Extract<RoutePolicy, { action: string }>): Promise<boolean> {
    const req = context.switchToHttp().getRequest<FastifyRequest>();
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      const { principal, tenant } = this.access.identity();
      const meta = requestMeta(req);
      await this.audit.record({
        tenantId: tenant.id,
        action: `${policy.subject.toLowerCase()}.${policy.action}`,
        outcome: 'denied',
        actor: { type: principal.kind, id: principal.id, label: principal.label },
        statusCode: 403,
        ip: meta.ip,
        userAgent: meta.userAgent,
        requestId: meta.requestId,
      });
    }
    throw new AccessException('forbidden', 403, `Your role does not allow ${policy.action} on ${policy.subject}`);
  }
}
