import { Injectable } from '@nestjs/common';
import { ThrottlerGuard } from '@nestjs/throttler';
import type { FastifyRequest } from 'fastify';
import { IDENTITY_KEY, RequestIdentity } from '@conduit/access';
import { ClsServiceManager } from 'nestjs-cls';

/** Limits per caller (user or API key) once authenticated, per client address before that. */
@Injectable()
export class CallerThrottlerGuard extends ThrottlerGuard {
  protected override getTracker(req: Record<string, unknown>): Promise<string> {
    const cls = ClsServiceManager.getClsService();
    const identity = cls.isActive() ? cls.get<RequestIdentity | undefined>(IDENTITY_KEY) : undefined;
    if (identity) return Promise.resolve(`${identity.principal.kind}:${identity.principal.id}`);
    return Promise.resolve(`ip:${(req as unknown as FastifyRequest).ip}`);
  }
}
