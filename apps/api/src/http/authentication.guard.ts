import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { AccessService, PUBLIC_ROUTE } from '@conduit/access';
import { Authenticator } from '@conduit/auth';
import { requestMeta } from './request-meta';

const header = (req: FastifyRequest, name: string): string | undefined => {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
};

/** First guard: every non-public route needs a valid bearer token or API key. */
@Injectable()
export class AuthenticationGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly authenticator: Authenticator,
    private readonly access: AccessService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, [context.getHandler(), context.getClass()])) return true;
    const req = context.switchToHttp().getRequest<FastifyRequest>();
    const identity = await this.authenticator.authenticate(
      {
        authorization: header(req, 'authorization'),
        apiKey: header(req, 'x-api-key'),
        actingTenant: header(req, 'x-tenant-id'),
      },
      requestMeta(req),
    );
    this.access.setIdentity(identity);
    return true;
  }
}
