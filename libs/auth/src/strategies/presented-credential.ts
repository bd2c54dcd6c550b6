// Which credential a request presents, read once per request: it decides which passport strategy verifies it.
import jwt from 'jsonwebtoken';
import type { Principal, TenantRef } from '@conduit/access';
import { looksLikeApiKey } from '../api-keys.service';
import type { RequestMeta } from '../request-meta';

export type PresentedCredential =
  | {
      /**
       * api_key: X-Api-Key, or a bearer that is an API key; conduit_token: any other bearer, unless it is an
       * identity_provider_token: a JWT signed with anything but HS256 (ours), verified against the company's JWKS.
       */
      kind: 'api_key' | 'conduit_token' | 'identity_provider_token';
      value: string;
    }
  | { kind: 'malformed_authorization' | 'none' };

/** What a strategy is handed instead of the HTTP request: the credential, and who sent it (for audit rows). */
export interface StrategyRequest {
  credential: PresentedCredential;
  meta: RequestMeta;
}

/** The identity a strategy proves: who is calling, in their home tenant (X-Tenant-Id is resolved after). */
export interface HomeIdentity {
  principal: Principal;
  tenant: TenantRef;
}

/**
 * X-Api-Key wins over the Authorization header. An empty X-Api-Key counts as given: the bearer is then read as a
 * token, even one that looks like a key.
 */
export function presentedCredential(headers: { authorization?: string; apiKey?: string }): PresentedCredential {
  const bearer = headers.authorization?.match(/^Bearer\s+(\S+)\s*$/i)?.[1];
  const key = headers.apiKey ?? (bearer && looksLikeApiKey(bearer) ? bearer : undefined);
  if (key) return { kind: 'api_key', value: key };
  if (bearer)
    return { kind: isIdentityProviderToken(bearer) ? 'identity_provider_token' : 'conduit_token', value: bearer };
  return { kind: headers.authorization ? 'malformed_authorization' : 'none' };
}

/** The key or token a strategy verifies (passport-jwt's jwtFromRequest). */
export function presentedValue(req: StrategyRequest): string | null {
  return 'value' in req.credential ? req.credential.value : null;
}

/** Our own tokens are HS256; a token that decodes with any other algorithm is an identity provider's. */
function isIdentityProviderToken(token: string): boolean {
  const decoded = jwt.decode(token, { complete: true });
  return Boolean(decoded && typeof decoded === 'object' && decoded.header.alg !== 'HS256');
}
