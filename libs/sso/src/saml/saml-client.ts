// What passport-saml's MultiSamlStrategy builds node-saml's SAML from, per request and per connection (samlOptions,
// which getSamlOptions answers), the request-id cache each request gets, and node-saml's errors as refusals.
import { CacheItem, CacheProvider, SamlConfig, SamlStatusError, ValidateInResponseTo } from '@node-saml/node-saml';
import { randomBytes } from 'node:crypto';
import { TenantContext } from '@conduit/database';
import type { Clock, TenantId } from '@conduit/platform';
import type { SsoConnectionEntity } from '../entities/sso-connection.entity';
import { OutstandingRequest, SamlStateRepository } from '../repositories/saml-state.repository';
import { SamlRefusalCode, SsoException } from '../sso.exception';
import type { SamlEndpoints } from './saml-endpoints';

/** How long an AuthnRequest or LogoutRequest may wait for its answer. */
export const REQUEST_TTL_MS = 10 * 60_000;

/** What the next request this provider saves carries beside its id. */
export interface PendingRequest {
  kind: 'authn' | 'logout';
  relayState: string | null;
  returnTo: string | null;
}

/**
 * node-saml's request-id cache on PostgreSQL (sso_saml_requests), bound to one connection: ids survive restarts and
 * are shared by every API replica. getAsync only reads (node-saml asks twice per response); removeAsync consumes, once:
 * the row is kept in `consumed` so the caller can tell whether this request is the one that answered it.
 */
export class PostgresRequestCache implements CacheProvider {
  readonly consumed = new Map<string, OutstandingRequest>();
  /** Ids asked about that name a request answered before: a response to one is a replay. */
  readonly answeredBefore = new Set<string>();

  constructor(
    private readonly db: TenantContext,
    private readonly state: SamlStateRepository,
    private readonly clock: Clock,
    private readonly tenantId: TenantId,
    private readonly connectionId: string,
    private readonly pending: PendingRequest | null = null,
  ) {}

  async saveAsync(key: string, value: string): Promise<CacheItem | null> {
    const now = this.clock.now();
    await this.db.runInTenantControlPlane(this.tenantId, () =>
      this.state.saveRequest(this.tenantId, this.connectionId, {
        id: key,
        kind: this.pending?.kind ?? 'authn',
        relayState: this.pending?.relayState ?? null,
        returnTo: this.pending?.returnTo ?? null,
        expiresAt: new Date(now.getTime() + REQUEST_TTL_MS),
      }),
    );
    return { value, createdAt: now.getTime() };
  }

  async getAsync(key: string): Promise<string | null> {
    if (!key || key.length > 256) return null;
    const row = await this.db.runInTenantControlPlane(this.tenantId, () =>
      this.state.findRequest(this.tenantId, this.connectionId, key, this.clock.now()),
    );
    if (row?.consumed_at) this.answeredBefore.add(key);
    return row && !row.consumed_at ? row.created_at.toISOString() : null;
  }

  async removeAsync(key: string | null): Promise<string | null> {
    if (!key || key.length > 256) return null;
    if (this.consumed.has(key)) return key;
    const row = await this.db.runInTenantControlPlane(this.tenantId, () =>
      this.state.consumeRequest(this.tenantId, this.connectionId, key, this.clock.now()),
    );
    if (!row) return null;
    this.consumed.set(key, row);
    return key;
  }
}

export interface SamlOptionsInput {
  connection: SsoConnectionEntity;
  endpoints: SamlEndpoints;
  cache: CacheProvider;
  clockSkewSeconds: number;
  /** The SP's private key: signs AuthnRequests, LogoutRequests and LogoutResponses (not needed to validate). */
  privateKey?: string;
}

/** node-saml's options for one connection (MultiSamlStrategy's getSamlOptions answers them for each request). */
export function samlOptions({
  connection,
  endpoints,
  cache,
  clockSkewSeconds,
  privateKey,
}: SamlOptionsInput): SamlConfig {
  return {
    issuer: endpoints.entityId,
    callbackUrl: endpoints.acs,
    logoutCallbackUrl: endpoints.slo,
    entryPoint: connection.idp_sso_url,
    // LogoutRequests and LogoutResponses go to the IdP's SLO endpoint (the routes check it is configured).
    logoutUrl: connection.idp_slo_url ?? connection.idp_sso_url,
    idpCert: connection.idp_certificates,
    idpIssuer: connection.idp_entity_id,
    audience: endpoints.entityId,
    wantAssertionsSigned: true,
    // The assertion's signature is required above; a signature over the whole response is checked when present.
    wantAuthnResponseSigned: false,
    acceptedClockSkewMs: clockSkewSeconds * 1000,
    validateInResponseTo: connection.allow_idp_initiated ? ValidateInResponseTo.ifPresent : ValidateInResponseTo.always,
    requestIdExpirationPeriodMs: REQUEST_TTL_MS,
    cacheProvider: cache,
    disableRequestedAuthnContext: true,
    identifierFormat: null,
    generateUniqueId: () => `_${randomBytes(20).toString('hex')}`,
    ...(privateKey ? { privateKey, signatureAlgorithm: 'sha256' as const, digestAlgorithm: 'sha256' } : {}),
  };
}

/** A refusal, from node-saml's error (its messages are its only contract; each mapping is tested end to end). */
export function samlRefusal(err: unknown): SsoException {
  if (err instanceof SsoException) return err;
  if (err instanceof SamlStatusError) {
    return new SsoException('saml_response_invalid', 'The identity provider did not sign the user in');
  }
  const message = err instanceof Error ? err.message : '';
  const refusal = (code: SamlRefusalCode, text: string) => new SsoException(code, text);
  if (/InResponseTo/.test(message)) {
    return refusal('saml_unknown_request', 'The response does not answer a sign-in request that is still open');
  }
  if (/signature|Cannot obtain assertion/i.test(message)) {
    return refusal('saml_signature_invalid', "The response is not signed by the connection's identity provider");
  }
  if (/not yet valid|expired|No valid subject confirmation/i.test(message)) {
    return refusal('saml_expired', 'The assertion is outside its validity window');
  }
  if (/audience/i.test(message)) {
    return refusal('saml_audience_mismatch', 'The assertion is not meant for this service provider');
  }
  if (/issuer/i.test(message)) {
    return refusal('saml_response_invalid', "The message is not from the connection's identity provider");
  }
  return refusal('saml_response_invalid', 'The SAML message could not be read');
}
