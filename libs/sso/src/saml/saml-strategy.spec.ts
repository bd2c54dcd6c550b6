import type { Profile } from '@node-saml/node-saml';
import { MultiSamlStrategy } from '@node-saml/passport-saml';
import { inflateRawSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import type { TenantContext } from '@conduit/database';
import type { Clock, TenantId } from '@conduit/platform';
import type { SsoConnectionEntity } from '../entities/sso-connection.entity';
import type { SamlStateRepository } from '../repositories/saml-state.repository';
import { SamlAuthenticator } from './saml-authenticator';
import { PendingRequest, PostgresRequestCache, samlOptions } from './saml-client';
import type { SamlConnections } from './saml-connections';
import { samlEndpoints } from './saml-endpoints';
import { SAML_STRATEGY, SamlStrategy, samlStrategyRequest } from './saml-strategy';
import { SpKeyPair, generateSpKeyPair } from './sp-key-pair';

// SAML runs as passport-saml's MultiSamlStrategy on the app's Passport: a regression to node-saml's SAML class used
// directly fails here (the end-to-end suites prove the behaviour through HTTP).
describe('SamlStrategy', () => {
  const now = new Date('2026-12-06T12:00:00Z');
  const connection = {
    id: '0b7c3c52-4f4e-4d43-9d7c-3f0d2c1b9a01',
    tenant_id: 'b1d2c3e4-0000-4000-8000-000000000001',
    idp_entity_id: 'https://idp.test/metadata',
    idp_sso_url: 'https://idp.test/sso',
    idp_slo_url: 'https://idp.test/slo',
    idp_certificates: [] as string[],
    allow_idp_initiated: false,
  } as unknown as SsoConnectionEntity;
  let sp: SpKeyPair;
  const saved: { id: string; kind: string; relayState: string | null; returnTo: string | null }[] = [];
  const db = { runInTenantControlPlane: (_tenant: TenantId, fn: () => unknown) => fn() } as unknown as TenantContext;
  const state = {
    saveRequest: (_tenant: TenantId, _connection: string, row: (typeof saved)[number]) => {
      saved.push(row);
      return Promise.resolve();
    },
  } as unknown as SamlStateRepository;
  const clock = { now: () => now } as Clock;
  const connections = {
    endpoints: (_c: SsoConnectionEntity, origin: string) => samlEndpoints(origin, connection.id),
    cache: (c: SsoConnectionEntity, pending: PendingRequest | null) =>
      new PostgresRequestCache(db, state, clock, c.tenant_id, c.id, pending),
    samlOptions: (
      c: SsoConnectionEntity,
      endpoints: ReturnType<typeof samlEndpoints>,
      cache: PostgresRequestCache,
      { signs }: { signs: boolean },
    ) =>
      Promise.resolve(
        samlOptions({
          connection: { ...c, idp_certificates: [sp.certificate] } as SsoConnectionEntity,
          endpoints,
          cache,
          clockSkewSeconds: 60,
          privateKey: signs ? sp.privateKey : undefined,
        }),
      ),
  } as unknown as SamlConnections;

  beforeAll(async () => {
    sp = await generateSpKeyPair('Conduit SP test', now);
  });

  it("is passport-saml's MultiSamlStrategy, named saml", () => {
    const strategy = new SamlStrategy(connections);
    expect(strategy).toBeInstanceOf(MultiSamlStrategy);
    expect(strategy.name).toBe(SAML_STRATEGY);
  });

  it('names the user an IdP LogoutRequest signs out (the logout verify), and refuses one that names nobody', () => {
    const strategy = new SamlStrategy(connections);
    const request = samlStrategyRequest({ connection, origin: 'https://conduit.test', signs: true });
    const profile = { issuer: connection.idp_entity_id, nameID: 'ana@acme.test', nameIDFormat: 'x' } as Profile;
    expect(strategy.validate(request, profile)).toBe(profile);
    expect(request.user).toBe(profile);
    expect(() => strategy.validate(request, null)).toThrow(expect.objectContaining({ code: 'saml_logout_invalid' }));
  });

  it('redirects to the IdP with a signed AuthnRequest and the RelayState, each request with a cache of its own', async () => {
    const authenticator = new SamlAuthenticator(new SamlStrategy(connections));
    const login = (relayState: string) =>
      samlStrategyRequest({
        connection,
        origin: 'https://conduit.test',
        signs: true,
        pending: { kind: 'authn', relayState, returnTo: `https://conduit.test/${relayState}` },
        query: { RelayState: relayState },
      });
    const first = login('one');
    const second = login('two');
    const [a, b] = await Promise.all([authenticator.authenticate(first), authenticator.authenticate(second)]);
    for (const [outcome, relayState] of [
      [a, 'one'],
      [b, 'two'],
    ] as const) {
      if (outcome.kind !== 'redirect') throw new Error(`expected a redirect, got ${outcome.kind}`);
      const url = new URL(outcome.url);
      expect(`${url.origin}${url.pathname}`).toBe(connection.idp_sso_url);
      expect(url.searchParams.get('RelayState')).toBe(relayState);
      expect(url.searchParams.get('SigAlg')).toBe('http://www.w3.org/2001/04/xmldsig-more#rsa-sha256');
      expect(url.searchParams.get('Signature')).toBeTruthy();
      const xml = inflateRawSync(Buffer.from(url.searchParams.get('SAMLRequest') as string, 'base64')).toString();
      expect(xml).toContain('AssertionConsumerServiceURL="https://conduit.test/api/v1/auth/saml/');
      const id = /ID="([^"]+)"/.exec(xml)?.[1];
      expect(saved).toContainEqual(expect.objectContaining({ id, kind: 'authn', relayState }));
    }
    expect(first.samlCache).toBeInstanceOf(PostgresRequestCache);
    expect(second.samlCache).toBeInstanceOf(PostgresRequestCache);
    expect(first.samlCache).not.toBe(second.samlCache);
  });

  it("rejects with node-saml's error when the posted response is not SAML", async () => {
    const authenticator = new SamlAuthenticator(new SamlStrategy(connections));
    const request = samlStrategyRequest({
      connection,
      origin: 'https://conduit.test',
      signs: false,
      body: { SAMLResponse: Buffer.from('<not-saml/>').toString('base64') },
    });
    await expect(authenticator.authenticate(request)).rejects.toBeInstanceOf(Error);
    expect(request.samlCache).toBeInstanceOf(PostgresRequestCache);
  });
});
