import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ThrottlerStorage } from '@nestjs/throttler';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AccessService, PUBLIC_ROUTE, RequestIdentity } from '@conduit/access';
import { Authenticator } from '@conduit/auth';
import { CommonException, ConduitConfig, ConduitException, InjectConfig, requestMeta } from '@conduit/platform';
import { FailedAuthenticationLimit } from '../auth/failed-authentication-limit';
import { PerRoute } from './per-route';

const header = (req: FastifyRequest, name: string): string | undefined => {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
};

function tooManyFailures(reply: FastifyReply, seconds: number): CommonException {
  void reply.header('retry-after', String(seconds));
  return new CommonException(
    'rate_limited',
    429,
    `Too many failed authentication attempts from this address; retry in ${seconds} s`,
  );
}

/**
 * First guard: every non-public route needs a valid bearer token or API key, verified by its passport strategy
 * (Authenticator). It runs before the per-caller rate limit, so it limits failed attempts itself (per client address;
 * a tenth of RATE_LIMIT_PER_MINUTE).
 */
@Injectable()
export class AuthenticationGuard implements CanActivate {
  private readonly failures: FailedAuthenticationLimit;
  /** Whether each route is @Public(). */
  private readonly publicRoutes = new PerRoute((targets) =>
    Boolean(this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, targets)),
  );

  constructor(
    private readonly reflector: Reflector,
    private readonly authenticator: Authenticator,
    private readonly access: AccessService,
    @Inject(ThrottlerStorage) storage: ThrottlerStorage,
    @InjectConfig() config: ConduitConfig,
  ) {
    this.failures = new FailedAuthenticationLimit(storage, Math.max(1, Math.floor(config.RATE_LIMIT_PER_MINUTE / 10)));
  }

  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    // A public route passes at once (no promise to await).
    return this.publicRoutes.of(context) || this.authenticate(context);
  }

  private async authenticate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<FastifyRequest>();
    const reply = context.switchToHttp().getResponse<FastifyReply>();
    const blocked = this.failures.retryAfter(req.ip);
    if (blocked > 0) throw tooManyFailures(reply, blocked);
    const credentials = {
      authorization: header(req, 'authorization'),
      apiKey: header(req, 'x-api-key'),
      actingTenant: header(req, 'x-tenant-id'),
    };
    let identity: RequestIdentity;
    try {
      identity = await this.authenticator.authenticate(credentials, requestMeta(req));
    } catch (err) {
      // Credentials presented and refused; a request with none at all guesses nothing.
      if (err instanceof ConduitException && err.status === 401 && (credentials.authorization || credentials.apiKey)) {
        const wait = await this.failures.recordFailure(req.ip);
        if (wait > 0) throw tooManyFailures(reply, wait);
      }
      throw err;
    }
    this.access.setIdentity(identity);
    return true;
  }
}
