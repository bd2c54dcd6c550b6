// SAML as a passport strategy: @node-saml/passport-saml's MultiSamlStrategy, whose getSamlOptions builds node-saml's
// options for the connection the request names, with a request-id cache of its own (left on the request for the
// service to read). Its verify callbacks answer the profile; SamlSignInService and SamlLogoutService do the rest.
import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { Profile } from '@node-saml/node-saml';
import { MultiSamlStrategy } from '@node-saml/passport-saml';
import type {
  MultiStrategyConfig,
  StrategyOptionsCallback,
  VerifiedCallback,
  VerifyWithRequest,
} from '@node-saml/passport-saml/lib/types';
import { REGISTERED_ON_OWN_PASSPORT } from '@conduit/auth';
import type { SsoConnectionEntity } from '../entities/sso-connection.entity';
import { SsoException } from '../sso.exception';
import type { PendingRequest, PostgresRequestCache } from './saml-client';
import { SamlConnections } from './saml-connections';

export const SAML_STRATEGY = 'saml';

/**
 * What a SAML route hands the strategy: the connection (found and checked usable), and the request as passport-saml
 * reads it: `query` (SAMLRequest or SAMLResponse with the redirect binding's signature, RelayState), `body`
 * (SAMLResponse posted to the ACS), `url` (its query is what the redirect binding's signature covers), `user` (the
 * one SP logout names).
 */
export interface SamlStrategyRequest {
  connection: SsoConnectionEntity;
  /** The address the request came to (used where PUBLIC_URL is not set). */
  origin: string;
  /** Whether node-saml signs on this request: the SP key is opened only then. */
  signs: boolean;
  /** What the request id node-saml saves carries (an AuthnRequest's RelayState and return_to; a LogoutRequest). */
  pending: PendingRequest | null;
  url: string;
  query: Record<string, unknown>;
  body: Record<string, unknown>;
  headers: Record<string, string | undefined>;
  user?: Profile;
  /** Set by getSamlOptions: this request's cache, which tells the service which request a response consumed. */
  samlCache?: PostgresRequestCache;
  /** passport-saml "logs out" the request's user after an IdP LogoutRequest; there is no session here to end. */
  logOut: (done: (err?: unknown) => void) => void;
}

export function samlStrategyRequest(
  fields: Pick<SamlStrategyRequest, 'connection' | 'origin' | 'signs'> & Partial<SamlStrategyRequest>,
): SamlStrategyRequest {
  return {
    pending: null,
    url: '',
    query: {},
    body: {},
    headers: {},
    logOut: (done) => done(),
    ...fields,
  };
}

const asError = (err: unknown) => (err instanceof Error ? err : new Error(String(err)));

/** The sign-on verify: the validated assertion's profile; SamlSignInService checks and maps it. */
const signonVerify = (_req: unknown, profile: Profile | null, done: VerifiedCallback) =>
  done(null, (profile ?? undefined) as Record<string, unknown> | undefined);

/**
 * passport-saml's MultiSamlStrategy as a Nest provider. @nestjs/passport passes validate() as the constructor's last
 * argument, which for passport-saml is the logout verify; the sign-on verify is passed before it.
 */
@Injectable()
export class SamlStrategy extends PassportStrategy(MultiSamlStrategy, SAML_STRATEGY) {
  constructor(connections: SamlConnections) {
    super(
      {
        name: SAML_STRATEGY,
        passReqToCallback: true,
        getSamlOptions: (req: unknown, done: StrategyOptionsCallback) => {
          const request = req as SamlStrategyRequest;
          const cache = connections.cache(request.connection, request.pending);
          request.samlCache = cache;
          const endpoints = connections.endpoints(request.connection, request.origin);
          void connections.samlOptions(request.connection, endpoints, cache, { signs: request.signs }).then(
            (options) => {
              // node-saml's constructor throws on bad options: an error of this request, not an unhandled rejection.
              try {
                done(null, options);
              } catch (err) {
                done(asError(err));
              }
            },
            (err: unknown) => done(asError(err)),
          );
        },
      } satisfies MultiStrategyConfig,
      signonVerify as VerifyWithRequest,
    );
  }

  /**
   * The logout verify, for an IdP's LogoutRequest (validated): the user it signs out is whoever it names (this request
   * has no session to compare with), so that becomes the request's user and passport-saml's LogoutResponse says
   * Success.
   */
  validate(req: SamlStrategyRequest, profile: Profile | null): Profile {
    if (!profile?.nameID) throw new SsoException('saml_logout_invalid', 'The LogoutRequest names nobody');
    req.user = profile;
    return profile;
  }

  getPassportInstance() {
    // Registered by SamlAuthenticator on its own Passport (libs/auth/src/strategies/app-passport.ts says why).
    return REGISTERED_ON_OWN_PASSPORT;
  }
}
