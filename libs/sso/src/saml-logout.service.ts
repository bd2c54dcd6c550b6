// SAML single logout. SP-initiated: the session ends here and the browser is sent to the IdP with a signed
// LogoutRequest (when the connection has an SLO URL). IdP-initiated: a LogoutRequest signed by the IdP ends that user's
// sessions from the connection, and the IdP gets a signed LogoutResponse back. The SAML messages go through
// SamlStrategy (passport-saml's MultiSamlStrategy): its logout() for the LogoutRequest, authenticate for the IdP's.
import { Injectable } from '@nestjs/common';
import type { Profile } from '@node-saml/node-saml';
import { Principal } from '@conduit/access';
import { AuditLog } from '@conduit/audit';
import { SessionService } from '@conduit/auth';
import { TenantContext } from '@conduit/database';
import { RequestMeta } from '@conduit/platform';
import { SamlStateRepository } from './repositories/saml-state.repository';
import { SamlAuthenticator, SamlOutcome } from './saml/saml-authenticator';
import { samlRefusal } from './saml/saml-client';
import { SamlConnections } from './saml/saml-connections';
import { samlStrategyRequest } from './saml/saml-strategy';
import { SsoException } from './sso.exception';

/** What GET /slo answers: a redirect to the IdP, or the signed-out page. */
export type SloOutcome = { redirect: string } | { signedOut: true };

@Injectable()
export class SamlLogoutService {
  constructor(
    private readonly db: TenantContext,
    private readonly saml: SamlConnections,
    private readonly strategy: SamlAuthenticator,
    private readonly state: SamlStateRepository,
    private readonly sessions: SessionService,
    private readonly audit: AuditLog,
  ) {}

  /** Ends the caller's SAML session; the IdP's SLO URL with a signed LogoutRequest, or null without one. */
  async logout(principal: Principal, meta: RequestMeta, origin: string): Promise<{ redirect_url: string | null }> {
    const sessionId = principal.kind === 'user' ? principal.sessionId : undefined;
    const session = sessionId
      ? await this.db.runInTenantControlPlane(principal.homeTenantId, () =>
          this.state.findSession(principal.homeTenantId, sessionId),
        )
      : null;
    if (!session) {
      throw new SsoException(
        'logout_requires_saml_session',
        'This ends a session begun through SAML sign-in; end other sessions with POST /api/v1/auth/logout',
      );
    }
    await this.sessions.logout(principal, meta);
    const connection = await this.saml.find(session.connection_id).catch(() => null);
    if (!connection?.idp_slo_url || !connection.enabled) return { redirect_url: null };
    const user = {
      issuer: connection.idp_entity_id,
      nameID: session.name_id,
      nameIDFormat: session.name_id_format ?? 'urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified',
      ...(session.session_index ? { sessionIndex: session.session_index } : {}),
    } as Profile;
    const request = samlStrategyRequest({
      connection,
      origin,
      signs: true,
      pending: { kind: 'logout', relayState: null, returnTo: null },
      user,
    });
    return { redirect_url: await this.strategy.logoutUrl(request) };
  }

  /** GET /slo: an IdP's LogoutRequest or LogoutResponse (HTTP-Redirect binding, signature in the query). */
  async idpMessage(
    connectionId: string,
    query: Record<string, unknown>,
    rawQuery: string,
    origin: string,
    meta: RequestMeta,
  ): Promise<SloOutcome> {
    const connection = await this.saml.find(connectionId);
    await this.saml.assertUsable(connection);
    const request = typeof query.SAMLRequest === 'string' ? query.SAMLRequest : null;
    const response = typeof query.SAMLResponse === 'string' ? query.SAMLResponse : null;
    if (!request === !response) {
      throw new SsoException('saml_logout_invalid', 'Send one SAMLRequest or SAMLResponse (HTTP-Redirect binding)');
    }
    if (typeof query.Signature !== 'string') {
      throw new SsoException('saml_signature_invalid', 'The logout message is not signed');
    }
    // passport-saml validates the message and its signature over the query as sent; for a LogoutRequest it calls the
    // logout verify (which names the user) and redirects with the signed LogoutResponse; a LogoutResponse passes.
    const strategyRequest = samlStrategyRequest({
      connection,
      origin,
      signs: Boolean(request),
      url: `${this.saml.endpoints(connection, origin).slo}?${rawQuery}`,
      query,
    });
    let outcome: SamlOutcome;
    try {
      outcome = await this.strategy.authenticate(strategyRequest);
    } catch (err) {
      throw samlRefusal(err);
    }
    if (response) return { signedOut: true };
    const profile = strategyRequest.user;
    if (outcome.kind !== 'redirect' || !profile?.nameID) {
      throw new SsoException('saml_logout_invalid', 'The LogoutRequest names nobody');
    }
    const nameId = profile.nameID;
    const tenantId = connection.tenant_id;
    const userIds = await this.db.runInTenantControlPlane(tenantId, () =>
      this.state.usersNamed(tenantId, connection.id, nameId, profile.sessionIndex ?? null),
    );
    let revoked = 0;
    for (const userId of userIds) {
      revoked += await this.sessions.revokeUserSessions(tenantId, userId, 'idp_logout', {
        connectionId: connection.id,
      });
      await this.audit.record({
        tenantId,
        action: 'auth.logout',
        outcome: 'success',
        actor: { type: 'anonymous', label: connection.idp_entity_id },
        target: { type: 'User', id: userId },
        ip: meta.ip,
        userAgent: meta.userAgent,
        requestId: meta.requestId,
        metadata: { method: 'saml', connection_id: connection.id, initiated_by: 'idp', sessions_revoked: revoked },
      });
    }
    if (!connection.idp_slo_url) return { signedOut: true };
    return { redirect: outcome.url };
  }
}
