// Who is calling a /scim/v2 route: a tenant's SCIM token, proved by the 'scim-token' passport strategy and kept on the
// request by ScimTokenGuard.
import { ExecutionContext, createParamDecorator } from '@nestjs/common';
import type { TenantId } from '@conduit/platform';
import { ScimError } from './scim-error';

export interface ScimCaller {
  tokenId: string;
  tokenName: string;
  tenantId: TenantId;
  connectionId: string;
  lastUsedAt: Date | null;
  /** For the audit trail. */
  ip?: string | null;
  userAgent?: string | null;
  requestId?: string | null;
}

const callers = new WeakMap<object, ScimCaller>();

export function setScimCaller(request: object, caller: ScimCaller): void {
  callers.set(request, caller);
}

/** The request's SCIM caller, once the guard has resolved it. */
export function scimCallerOf(request: object): ScimCaller | undefined {
  return callers.get(request);
}

/** The route's SCIM caller (the guard has run). */
export const Caller = createParamDecorator((_data: unknown, ctx: ExecutionContext): ScimCaller => {
  const caller = callers.get(ctx.switchToHttp().getRequest<object>());
  if (!caller) throw ScimError.unauthorized('A SCIM bearer token is required');
  return caller;
});
