// The SCIM bearer token as a passport strategy (DESIGN "Identity": every way in is one), run by ScimTokenGuard on a
// Passport of its own; its refusals are ScimErrors, answered in SCIM's error schema by ScimExceptionFilter.
import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { Strategy } from 'passport-custom';
import { REGISTERED_ON_OWN_PASSPORT } from '@conduit/auth';
import type { ScimCaller } from '../scim-caller';
import { ScimError } from '../scim-error';
import { ScimTokensService } from '../scim-tokens.service';

export const SCIM_TOKEN_STRATEGY = 'scim-token';

/** What the strategy is handed instead of the HTTP request (passport decorates what it is given with login methods). */
export interface ScimStrategyRequest {
  authorization?: string;
  /** For the audit trail. */
  meta: Pick<ScimCaller, 'ip' | 'userAgent' | 'requestId'>;
}

/** The token of `Authorization: Bearer <token>`, or null when the header is missing or not of that shape. */
export function presentedScimToken(authorization: string | undefined): string | null {
  return /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '')?.[1] ?? null;
}

@Injectable()
export class ScimTokenStrategy extends PassportStrategy(Strategy, SCIM_TOKEN_STRATEGY) {
  constructor(private readonly tokens: ScimTokensService) {
    super();
  }

  /** The caller the token stands for; every refusal is thrown as a SCIM 401 (or 403: the tenant is not active). */
  async validate(req: ScimStrategyRequest): Promise<ScimCaller> {
    const token = presentedScimToken(req.authorization);
    if (!token) throw ScimError.unauthorized('A SCIM bearer token is required (Authorization: Bearer cscim_...)');
    return this.tokens.authenticate(token, req.meta);
  }

  getPassportInstance() {
    // Registered by ScimTokenGuard on its own Passport (libs/auth/src/strategies/app-passport.ts says why).
    return REGISTERED_ON_OWN_PASSPORT;
  }
}
