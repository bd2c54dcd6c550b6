import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { AccessException, AccessService, PUBLIC_ROUTE, ROUTE_POLICY, RoutePolicy } from '@conduit/access';
import { AuditLog } from '@conduit/audit';
import { requestMeta } from '@conduit/platform';
import { PerRoute } from './per-route';
import { guardsPassed } from './request-transaction';

/** Second guard: the route's declared policy must allow the caller. Routes without one are refused. */
@Injectable()
export class PoliciesGuard implements CanActivate {
  /** Each route's policy; null: @Public(); undefined: none declared. */
  private readonly policies = new PerRoute<RoutePolicy | null | undefined>((targets) =>
    this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, targets)
      ? null
      : this.reflector.getAllAndOverride<RoutePolicy | undefined>(ROUTE_POLICY, targets),
  );

  constructor(
    private readonly reflector: Reflector,
    private readonly access: AccessService,
    private readonly audit: AuditLog,
  ) {}

  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    const policy = this.policies.of(context);
    if (policy === null) return true;
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
