import { CanActivate, ExecutionContext, Injectable, Type } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { InjectThrottlerOptions, InjectThrottlerStorage, ThrottlerException } from '@nestjs/throttler';
import type { ThrottlerModuleOptions, ThrottlerOptions, ThrottlerStorage } from '@nestjs/throttler';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { IDENTITY_KEY, RequestIdentity } from '@conduit/access';
import { InvariantError } from '@conduit/platform';
import { Handler, PerRoute } from './per-route';
import { ClsServiceManager } from 'nestjs-cls';

// @nestjs/throttler's metadata keys (its decorators @Throttle and @SkipThrottle write them; the package does not
// export the constants): the key is the name plus the throttler's name.
const SKIP = 'THROTTLER:SKIP';
const LIMIT = 'THROTTLER:LIMIT';
const TTL = 'THROTTLER:TTL';
const BLOCK_DURATION = 'THROTTLER:BLOCK_DURATION';

/** One throttler's figures for one route, read from its metadata once. */
interface RouteLimit {
  name: string;
  limit: number;
  ttl: number;
  blockDuration: number;
}

/**
 * Limits per caller (user or API key) once authenticated, per client address before that: one budget per caller
 * across every route (RATE_LIMIT_PER_MINUTE), counted by the throttler storage (Redis).
 *
 * The library's guard counts per route per caller (its key hashes the controller, handler and caller with sha256), and
 * on every request reads six pieces of route metadata per throttler and awaits seven promises. This one reads a route's
 * metadata once (it never changes), keys by the caller alone, and awaits only the storage. Everything else is the
 * library's: its module's options and storage, its decorators, its headers and its 429.
 */
@Injectable()
export class CallerThrottlerGuard implements CanActivate {
  private readonly routes = new PerRoute((targets) => this.limitsOf(targets));
  private readonly throttlers: ThrottlerOptions[];

  constructor(
    @InjectThrottlerOptions() options: ThrottlerModuleOptions,
    @InjectThrottlerStorage() private readonly storage: ThrottlerStorage,
    private readonly reflector: Reflector,
  ) {
    this.throttlers = Array.isArray(options) ? options : options.throttlers;
  }

  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    const limits = this.routes.of(context);
    if (limits.length === 0) return true;
    return this.count(context, limits);
  }

  private async count(context: ExecutionContext, limits: RouteLimit[]): Promise<boolean> {
    const http = context.switchToHttp();
    const req = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    const tracker = this.caller(req);
    for (const { name, limit, ttl, blockDuration } of limits) {
      const suffix = name === 'default' ? '' : `-${name}`;
      const { totalHits, timeToExpire, isBlocked, timeToBlockExpire } = await this.storage.increment(
        tracker,
        ttl,
        limit,
        blockDuration,
        name,
      );
      if (isBlocked) {
        void reply.header(`Retry-After${suffix}`, timeToBlockExpire);
        throw new ThrottlerException();
      }
      void reply
        .header(`X-RateLimit-Limit${suffix}`, limit)
        .header(`X-RateLimit-Remaining${suffix}`, Math.max(0, limit - totalHits))
        .header(`X-RateLimit-Reset${suffix}`, timeToExpire);
    }
    return true;
  }

  /** The authenticated caller (the authentication guard ran first), else the client address. */
  private caller(req: FastifyRequest): string {
    const cls = ClsServiceManager.getClsService();
    const identity = cls.isActive() ? cls.get<RequestIdentity | undefined>(IDENTITY_KEY) : undefined;
    return identity ? `${identity.principal.kind}:${identity.principal.id}` : `ip:${req.ip}`;
  }

  /** The throttlers that apply to the route, with @Throttle's overrides; none when it is @SkipThrottle. */

  private limitsOf(targets: [Handler, Type]): RouteLimit[] {
    const read = <T>(key: string, name: string): T | undefined =>
      this.reflector.getAllAndOverride<T | undefined>(key + name, targets);
    const limits: RouteLimit[] = [];
    for (const throttler of this.throttlers) {
      if (read<boolean>(SKIP, throttler.name ?? 'default')) continue;
      const name = throttler.name ?? 'default';
      const limit = read<number>(LIMIT, name) ?? throttler.limit;
      const ttl = read<number>(TTL, name) ?? throttler.ttl;
      const blockDuration = read<number>(BLOCK_DURATION, name) ?? throttler.blockDuration ?? ttl;
      if (typeof limit !== 'number' || typeof ttl !== 'number' || typeof blockDuration !== 'number')
        throw new InvariantError(
          'rate_limit_not_static',
          `Rate limit ${name}: Conduit's guard takes figures, not functions of the request`,
        );
      limits.push({ name, limit, ttl, blockDuration });
    }
    return limits;
  }
}
