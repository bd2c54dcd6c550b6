// SAML sign-in: the signed AuthnRequest out, the IdP's response in (both through SamlStrategy, passport-saml's
// MultiSamlStrategy: node-saml validates against the connection's certificates; then checked here for issuer,
// recipient, single-use request and assertion), the user found or created (JIT), the role synced from the IdP's groups,
// a session started, and a one-time code the browser trades for tokens.
import { Injectable } from '@nestjs/common';
import type { Profile } from '@node-saml/node-saml';
import { randomBytes } from 'node:crypto';
import { AuditLog } from '@conduit/audit';
import { SessionService, TokenPair, TokenService, assertMayAct } from '@conduit/auth';
import { TenantContext } from '@conduit/database';
import {
  Clock,
  ConduitConfig,
  ConduitException,
  InjectConfig,
  InvariantError,
  RequestMeta,
  TenantId,
  sha256Hex,
} from '@conduit/platform';
import { SecretBox } from '@conduit/secrets';
import { UserAccounts } from '@conduit/tenants';
import { SsoConnectionEntity } from './entities/sso-connection.entity';
import { SamlStateRepository } from './repositories/saml-state.repository';
import { roleFromIdentityProvider } from './role-mapping';
import { parseDomFromString } from '@node-saml/node-saml/lib/xml';
import { SamlAuthenticator } from './saml/saml-authenticator';
import { samlRefusal } from './saml/saml-client';
import { SamlConnections } from './saml/saml-connections';
import { SamlEndpoints } from './saml/saml-endpoints';
import { samlStrategyRequest } from './saml/saml-strategy';
import { allowedReturnTo, withCode } from './saml/return-to';
import { SsoException } from './sso.exception';

/** A sign-in code lives this long, and works once. */
export const CODE_TTL_MS = 60_000;

const codeAad = (codeHash: string) => `sso_login_code:${codeHash}`;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** Who the assertion says signed in. */
interface AssertedUser {
  email: string;
  displayName: string | null;
  groups: string[];
  nameId: string;
  nameIdFormat: string | null;
  sessionIndex: string | null;
}

@Injectable()
export class SamlSignInService {
  constructor(
    @InjectConfig() private readonly config: ConduitConfig,
    private readonly db: TenantContext,
    private readonly saml: SamlConnections,
    private readonly strategy: SamlAuthenticator,
    private readonly state: SamlStateRepository,
    private readonly sessions: SessionService,
    private readonly tokens: TokenService,
    private readonly accounts: UserAccounts,
    private readonly secrets: SecretBox,
    private readonly audit: AuditLog,
    private readonly clock: Clock,
  ) {}

  /** The IdP URL (HTTP-Redirect binding) carrying a signed AuthnRequest; return_to is kept with the request. */
  async loginUrl(connectionId: string, returnTo: string | undefined, origin: string): Promise<string> {
    const connection = await this.saml.find(connectionId);
    await this.saml.assertUsable(connection);
    const endpoints = this.saml.endpoints(connection, origin);
    const target = this.returnTo(returnTo ?? endpoints.complete, origin);
    if (!target) {
      throw new SsoException(
        'invalid_return_to',
        'return_to must be a path on this service or a URL on its own origin or an allowed one (SSO_ALLOWED_RETURN_ORIGINS)',
        [{ field: 'return_to', message: 'not an allowed return address' }],
      );
    }
    // The opaque RelayState goes with the AuthnRequest (passport-saml reads it from the query); the cache keeps it
    // with the request id and the return address it stands for.
    const relayState = randomBytes(24).toString('base64url');
    const outcome = await this.strategy.authenticate(
      samlStrategyRequest({
        connection,
        origin,
        signs: true,
        pending: { kind: 'authn', relayState, returnTo: target },
        url: endpoints.login,
        query: { RelayState: relayState },
      }),
    );
    if (outcome.kind !== 'redirect') {
      throw new InvariantError('saml_no_redirect', `SAML login ended with ${outcome.kind}, not a redirect`);
    }
    return outcome.url;
  }

  /** Validates the IdP's response and answers the URL to send the browser to (return_to with ?code=). */
  async consume(
    connectionId: string,
    body: { SAMLResponse?: unknown; RelayState?: unknown },
    origin: string,
    meta: RequestMeta,
  ): Promise<string> {
    const connection = await this.saml.find(connectionId);
    try {
      return await this.signIn(connection, body, origin, meta);
    } catch (err) {
      if (err instanceof ConduitException) {
        await this.auditFailure(connection.tenant_id, connection.id, err.code, meta);
      }
      throw err;
    }
  }

  /** A sign-in code for the session's tokens, once, within a minute. */
  async exchange(code: unknown): Promise<TokenPair> {
    const invalid = new SsoException('saml_code_invalid', 'The sign-in code is unknown, used or expired');
    if (typeof code !== 'string' || code.length < 20 || code.length > 200) throw invalid;
    const codeHash = sha256Hex(code);
    const tenantId = await this.state.codeTenant(codeHash);
    if (!tenantId) throw invalid;
    const row = await this.db.runInTenantControlPlane(tenantId, () =>
      this.state.useCode(tenantId, codeHash, this.clock.now()),
    );
    if (!row) throw invalid;
    return JSON.parse(
      await this.secrets.open(tenantId, row.tokens_sealed, codeAad(codeHash), 'control_plane'),
    ) as TokenPair;
  }

  private async signIn(
    connection: SsoConnectionEntity,
    body: { SAMLResponse?: unknown; RelayState?: unknown },
    origin: string,
    meta: RequestMeta,
  ): Promise<string> {
    await this.saml.assertUsable(connection);
    if (typeof body.SAMLResponse !== 'string' || body.SAMLResponse.length === 0) {
      throw new SsoException('saml_response_invalid', 'SAMLResponse is missing');
    }
    const endpoints = this.saml.endpoints(connection, origin);
    const request = samlStrategyRequest({
      connection,
      origin,
      signs: false,
      url: endpoints.acs,
      body: { SAMLResponse: body.SAMLResponse },
    });
    let profile: Profile;
    try {
      const outcome = await this.strategy.authenticate(request);
      // fail (the verify found no profile) or pass (a LogoutResponse posted here): no assertion either way.
      if (outcome.kind !== 'profile') {
        throw new SsoException('saml_response_invalid', 'The response carries no assertion');
      }
      profile = outcome.profile;
    } catch (err) {
      const refusal = samlRefusal(err);
      // A response to a request answered before is a replay of that answer (or of one like it).
      if (refusal.code === 'saml_unknown_request' && request.samlCache?.answeredBefore.size) {
        throw new SsoException('saml_replayed', 'This response answers a sign-in request that was answered already');
      }
      throw refusal;
    }
    const cache = request.samlCache;
    await this.checkAddressedToUs(connection, endpoints, profile);
    // The request this answers, consumed once (node-saml consumes it through the cache; a concurrent twin loses).
    let returnTo: string | null = null;
    const inResponseTo = typeof profile.inResponseTo === 'string' ? profile.inResponseTo : null;
    if (inResponseTo) {
      const request =
        cache?.consumed.get(inResponseTo) ??
        (await this.db.runInTenantControlPlane(connection.tenant_id, () =>
          this.state.consumeRequest(connection.tenant_id, connection.id, inResponseTo, this.clock.now()),
        ));
      if (!request || request.kind !== 'authn') {
        throw new SsoException(
          'saml_unknown_request',
          'The response does not answer a sign-in request that is still open',
        );
      }
      returnTo = request.return_to;
    } else if (typeof body.RelayState === 'string' && body.RelayState) {
      // IdP-initiated: RelayState is the IdP's to set; used only when it is an allowed return address.
      returnTo = this.returnTo(body.RelayState, origin);
    }
    await this.recordAssertion(connection, profile);
    const user = assertedUser(connection, profile);
    const tenantId = connection.tenant_id;
    const code = randomBytes(32).toString('base64url');
    const { userId, keptRole } = await this.db.runInTenantControlPlane(tenantId, async () => {
      const { keptRole, ...membership } = await this.member(connection, user);
      const pair = await this.sessions.issueSession(membership, meta, { method: 'saml', connectionId: connection.id });
      const now = this.clock.now();
      await this.accounts.recordLogin(tenantId, membership.userId, now);
      await this.state.insertSession(
        tenantId,
        {
          session_id: this.tokens.parseRefreshToken(pair.refresh_token).sessionId,
          connection_id: connection.id,
          user_id: membership.userId,
          name_id: user.nameId,
          name_id_format: user.nameIdFormat,
          session_index: user.sessionIndex,
        },
        now,
        this.config.JWT_REFRESH_TTL_SECONDS * 1000,
      );
      const codeHash = sha256Hex(code);
      await this.state.insertCode(tenantId, {
        codeHash,
        connectionId: connection.id,
        tokensSealed: await this.secrets.seal(tenantId, JSON.stringify(pair), codeAad(codeHash), 'control_plane'),
        expiresAt: new Date(now.getTime() + CODE_TTL_MS),
        now,
      });
      return { userId: membership.userId, keptRole };
    });
    await this.audit.record({
      tenantId,
      action: 'auth.login',
      outcome: 'success',
      actor: { type: 'user', id: userId, label: user.email },
      ip: meta.ip,
      userAgent: meta.userAgent,
      requestId: meta.requestId,
      // The identity provider's groups gave a lower role, kept back: this is the tenant's last active admin.
      metadata: { method: 'saml', connection_id: connection.id, ...(keptRole ? { last_admin_kept: keptRole } : {}) },
    });
    return withCode(returnTo ?? endpoints.complete, code);
  }

  /** The member, created on a first sign-in when JIT is on; the role follows the IdP's groups at every sign-in. */
  private async member(connection: SsoConnectionEntity, user: AssertedUser) {
    const tenantId = connection.tenant_id;
    const account = await this.accounts.findByEmail(user.email);
    let membership = account ? await this.accounts.membership(account.id, tenantId) : null;
    const role = roleFromIdentityProvider(
      membership?.role ?? null,
      connection.role_mapping,
      user.groups,
      connection.default_role,
    );
    if (!role) {
      throw new SsoException('saml_no_role', 'None of your groups is given a role here, and there is no default role');
    }
    if (!membership) {
      if (!connection.jit_provisioning) {
        throw new SsoException('saml_user_not_provisioned', 'You have no account in this tenant; ask its admin');
      }
      const { userId } = await this.accounts.provisionMember(tenantId, {
        email: user.email,
        role,
        displayName: user.displayName,
        source: 'jit',
      });
      membership = await this.accounts.membership(userId, tenantId);
      if (!membership) throw new SsoException('saml_user_not_provisioned', 'The account could not be provisioned');
    }
    assertMayAct(membership);
    // A demotion of the tenant's last active admin waits until another admin exists (the users API's last_admin rule):
    // a tenant with no admin could not mend its own sign-in settings.
    const current = membership;
    const keptRole =
      role !== current.role &&
      (await this.accounts.removesLastAdmin(
        { id: current.userId, tenant_id: tenantId, role: current.role, status: current.memberStatus },
        { role, active: true },
      ))
        ? current.role
        : null;
    const granted = keptRole ?? role;
    if (membership.role !== granted || user.displayName) {
      await this.accounts.updateMembership(tenantId, membership.userId, {
        role: granted,
        ...(user.displayName ? { displayName: user.displayName } : {}),
      });
    }
    return { ...membership, role: granted, keptRole };
  }

  /** Issuer, recipient and destination: node-saml checks the signature and audience, not these. */
  private async checkAddressedToUs(connection: SsoConnectionEntity, endpoints: SamlEndpoints, profile: Profile) {
    if (profile.issuer !== connection.idp_entity_id) {
      throw new SsoException('saml_response_invalid', "The assertion is not from the connection's identity provider");
    }
    const assertion = (profile.getAssertion?.() ?? {}) as AssertionJs;
    const recipients = (assertion.Assertion?.Subject?.[0]?.SubjectConfirmation ?? [])
      .map((c) => c.SubjectConfirmationData?.[0]?.$?.Recipient)
      .filter((r): r is string => typeof r === 'string');
    if (recipients.some((r) => r !== endpoints.acs)) {
      throw new SsoException('saml_audience_mismatch', 'The assertion is meant for another recipient');
    }
    const responseXml = profile.getSamlResponseXml?.();
    if (responseXml) {
      const destination = (await parseDomFromString(responseXml)).documentElement?.getAttribute('Destination');
      if (destination && destination !== endpoints.acs) {
        throw new SsoException('saml_audience_mismatch', 'The response is meant for another destination');
      }
    }
  }

  /** Each assertion id is accepted once, remembered until it expires (NotOnOrAfter plus the clock skew). */
  private async recordAssertion(connection: SsoConnectionEntity, profile: Profile): Promise<void> {
    const assertion = ((profile.getAssertion?.() ?? {}) as AssertionJs).Assertion;
    const id = assertion?.$?.ID;
    if (!id) throw new SsoException('saml_response_invalid', 'The assertion has no ID');
    const now = this.clock.now();
    const notOnOrAfter = [
      assertion.Conditions?.[0]?.$?.NotOnOrAfter,
      ...(assertion.Subject?.[0]?.SubjectConfirmation ?? []).map(
        (c) => c.SubjectConfirmationData?.[0]?.$?.NotOnOrAfter,
      ),
    ]
      .map((v) => (v ? Date.parse(v) : NaN))
      .filter((v) => !Number.isNaN(v));
    const until = Math.max(now.getTime() + 5 * 60_000, ...notOnOrAfter) + this.config.SAML_CLOCK_SKEW_SECONDS * 1000;
    const fresh = await this.db.runInTenantControlPlane(connection.tenant_id, () =>
      this.state.recordAssertion(connection.tenant_id, connection.id, id, new Date(until), now),
    );
    if (!fresh) throw new SsoException('saml_replayed', 'This assertion was used already');
  }

  private returnTo(value: string, origin: string): string | null {
    return allowedReturnTo(value, this.saml.base(origin), this.config.SSO_ALLOWED_RETURN_ORIGINS);
  }

  private async auditFailure(tenantId: TenantId, connectionId: string, reason: string, meta: RequestMeta) {
    await this.audit
      .record({
        tenantId,
        action: 'auth.login',
        outcome: 'failure',
        actor: { type: 'anonymous' },
        ip: meta.ip,
        userAgent: meta.userAgent,
        requestId: meta.requestId,
        metadata: { method: 'saml', connection_id: connectionId, reason },
      })
      .catch(() => undefined);
  }
}

/** The parts of node-saml's parsed assertion (xml2js) read here. */
interface AssertionJs {
  Assertion?: {
    $?: { ID?: string };
    Conditions?: { $?: { NotOnOrAfter?: string } }[];
    Subject?: {
      SubjectConfirmation?: { SubjectConfirmationData?: { $?: { Recipient?: string; NotOnOrAfter?: string } }[] }[];
    }[];
  };
}

function attributeValues(profile: Profile, name: string | undefined): string[] {
  if (!name) return [];
  const attributes = (profile.attributes ?? {}) as Record<string, unknown>;
  if (!Object.prototype.hasOwnProperty.call(attributes, name)) return [];
  const value = attributes[name];
  const values = Array.isArray(value) ? value : [value];
  return values
    .filter((v): v is string => typeof v === 'string')
    .map((v) => v.trim())
    .filter(Boolean);
}

function assertedUser(connection: SsoConnectionEntity, profile: Profile): AssertedUser {
  const mapping = connection.attribute_mapping;
  const email = (mapping.email ? attributeValues(profile, mapping.email)[0] : profile.nameID)?.trim().toLowerCase();
  if (!email || email.length > 254 || !EMAIL.test(email)) {
    throw new SsoException('saml_response_invalid', 'The assertion carries no usable email address');
  }
  const displayName = attributeValues(profile, mapping.display_name)[0]?.slice(0, 200) ?? null;
  return {
    email,
    displayName,
    groups: attributeValues(profile, mapping.groups),
    nameId: profile.nameID,
    nameIdFormat: profile.nameIDFormat ?? null,
    sessionIndex: profile.sessionIndex ?? null,
  };
}
