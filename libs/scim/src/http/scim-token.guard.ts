import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import passport from 'passport';
import { requestMeta } from '@conduit/platform';
import { ScimCaller, setScimCaller } from '../scim-caller';
import { ScimError } from '../scim-error';
import { ScimTokensService } from '../scim-tokens.service';
import { SCIM_TOKEN_STRATEGY, ScimStrategyRequest, ScimTokenStrategy } from './scim-token.strategy';

/**
 * The /scim/v2 routes' authentication: `Authorization: Bearer <SCIM token>` and nothing else (the routes are @Public()
 * to the app's JWT and API-key guard), verified by the 'scim-token' passport strategy. The request acts in the token's
 * tenant.
 */
@Injectable()
export class ScimTokenGuard implements CanActivate {
  /** This app's own Passport, as libs/auth's Authenticator has (scim-token.strategy.ts says why). */
  private readonly passport = new passport.Passport();

  constructor(
    strategy: ScimTokenStrategy,
    private readonly tokens: ScimTokensService,
  ) {
    this.passport.use(SCIM_TOKEN_STRATEGY, strategy);
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<FastifyRequest>();
    const header = req.headers.authorization;
    const caller = await this.verify({
      authorization: Array.isArray(header) ? header[0] : header,
      meta: requestMeta(req),
    });
    setScimCaller(req, caller);
    await this.tokens.touch(caller);
    return true;
  }

  /** Runs the strategy (sessionless: no req.logIn, nothing written to a response); its refusal is thrown as it is. */
  private verify(req: ScimStrategyRequest): Promise<ScimCaller> {
    return new Promise<ScimCaller>((resolve, reject) => {
      const authenticate = this.passport.authenticate(
        SCIM_TOKEN_STRATEGY,
        { session: false },
        (error: unknown, caller: ScimCaller | false | null | undefined) => {
          if (error) reject(error instanceof Error ? error : new Error(String(error)));
          else if (caller) resolve(caller);
          // validate() throws every refusal, so a bare failure is not expected; it is still a 401.
          else reject(ScimError.unauthorized('The SCIM token is not valid'));
        },
      ) as (req: ScimStrategyRequest, res: undefined, next: (err?: unknown) => void) => void;
      // With a callback, passport calls next only if the strategy "passes" (this one never does).
      authenticate(req, undefined, (err) =>
        reject(err instanceof Error ? err : new Error(`${SCIM_TOKEN_STRATEGY} passed`)),
      );
    });
  }
}
