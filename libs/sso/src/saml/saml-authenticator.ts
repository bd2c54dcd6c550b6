// Runs SamlStrategy on this app's own Passport, sessionless, as Authenticator runs the API's strategies. Where the
// strategy redirects (the AuthnRequest, the LogoutResponse) passport writes to a response: here a stand-in that keeps
// the Location, which the route then answers through Fastify.
import { Injectable } from '@nestjs/common';
import type { Profile } from '@node-saml/node-saml';
import passport from 'passport';
import { SAML_STRATEGY, SamlStrategy, SamlStrategyRequest } from './saml-strategy';

/** How passport-saml ended: a redirect, the verified profile, no user (fail), or nothing to do (pass). */
export type SamlOutcome =
  { kind: 'redirect'; url: string } | { kind: 'profile'; profile: Profile } | { kind: 'failed' } | { kind: 'passed' };

const asError = (err: unknown) => (err instanceof Error ? err : new Error(String(err)));

@Injectable()
export class SamlAuthenticator {
  /** This app's own Passport (libs/auth/src/strategies/app-passport.ts says why not the process-wide one). */
  private readonly passport = new passport.Passport();

  constructor(private readonly strategy: SamlStrategy) {
    // Two copies of express's types (passport's, passport-saml's) disagree on Request; the strategy is passport's kind.
    this.passport.use(SAML_STRATEGY, strategy as unknown as passport.Strategy);
  }

  /**
   * passport.authenticate with a callback: an AuthnRequest when the request carries no SAML message, else the message
   * validated (ACS post or redirect-binding logout message). node-saml's errors reject as they are: the services map
   * them (samlRefusal).
   */
  authenticate(req: SamlStrategyRequest): Promise<SamlOutcome> {
    return new Promise<SamlOutcome>((resolve, reject) => {
      let location: string | null = null;
      const response = {
        statusCode: 200,
        setHeader(name: string, value: string) {
          if (name.toLowerCase() === 'location') location = value;
        },
        end() {
          if (location) resolve({ kind: 'redirect', url: location });
          else reject(new Error(`${SAML_STRATEGY} ended the response without a redirect`));
        },
      };
      const authenticate = this.passport.authenticate(
        SAML_STRATEGY,
        { session: false },
        (err: unknown, user: Profile | false | null | undefined) => {
          if (err) reject(asError(err));
          else resolve(user ? { kind: 'profile', profile: user } : { kind: 'failed' });
        },
      ) as (req: SamlStrategyRequest, res: typeof response, next: (err?: unknown) => void) => void;
      authenticate(req, response, (err) => (err ? reject(asError(err)) : resolve({ kind: 'passed' })));
    });
  }

  /** The IdP's SLO URL with a signed LogoutRequest for req.user (the strategy's logout). */
  logoutUrl(req: SamlStrategyRequest): Promise<string> {
    return new Promise<string>((resolve, reject) => {
      this.strategy.logout(req as never, (err: Error | null, url?: string | null) => {
        if (err) reject(err);
        else if (!url) reject(new Error('passport-saml answered no logout URL'));
        else resolve(url);
      });
    });
  }
}
