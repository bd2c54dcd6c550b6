import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { requestMeta } from '@conduit/platform';
import { setScimCaller } from '../scim-caller';
import { ScimTokensService } from '../scim-tokens.service';

/**
 * The /scim/v2 routes' authentication: `Authorization: Bearer <SCIM token>` and nothing else (the routes are @Public()
 * to the app's JWT and API-key guard). The request acts in the token's tenant.
 */
@Injectable()
export class ScimTokenGuard implements CanActivate {
  constructor(private readonly tokens: ScimTokensService) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<FastifyRequest>();
    const header = req.headers.authorization;
    const caller = await this.tokens.authenticate(Array.isArray(header) ? header[0] : header, requestMeta(req));
    setScimCaller(req, caller);
    await this.tokens.touch(caller);
    return true;
  }
}
