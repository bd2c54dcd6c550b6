// The SP side of a SAML sign-in as a client drives it over real HTTP: login redirect, ACS post, code exchange.
import type { TestApi } from './test-api';
import type { SamlAnswer, TestIdp } from './saml-idp';

export interface RawResult<T = any> {
  status: number;
  location: string | null;
  body: T;
  text: string;
}

async function raw<T>(res: Response): Promise<RawResult<T>> {
  const text = await res.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON
  }
  return { status: res.status, location: res.headers.get('location'), body: body as T, text };
}

/** The connection body Conduit is given for the test IdP: its metadata and its attribute names. */
export function connectionFromIdp(
  idp: TestIdp,
  extra: Record<string, unknown> = {},
): Record<string, unknown> & { name: string } {
  return {
    name: 'Test IdP',
    idp_metadata_xml: idp.metadataXml,
    attribute_mapping: { email: 'email', display_name: 'displayName', groups: 'groups' },
    role_mapping: {},
    default_role: 'viewer',
    jit_provisioning: true,
    allow_idp_initiated: false,
    enabled: true,
    ...extra,
  };
}

/** Creates a connection as `adminToken` and returns its id (fails the test on anything but 201). */
export async function createConnection(
  api: TestApi,
  adminToken: string,
  body: Record<string, unknown>,
): Promise<string> {
  const res = await api.request('POST', '/api/v1/sso/connections', { token: adminToken, body });
  if (res.status !== 201) throw new Error(`creating the SSO connection answered ${res.status}: ${res.text}`);
  return (res.body as { id: string }).id;
}

/** GET /api/v1/auth/saml/{id}/login: the redirect to the IdP (its Location), not followed. */
export async function samlLoginRedirect(api: TestApi, connectionId: string, returnTo?: string): Promise<string> {
  const qs = returnTo === undefined ? '' : `?return_to=${encodeURIComponent(returnTo)}`;
  const res = await raw(
    await fetch(`${api.baseUrl}/api/v1/auth/saml/${connectionId}/login${qs}`, { redirect: 'manual' }),
  );
  if (res.status !== 302 || !res.location) throw new Error(`SAML login answered ${res.status}: ${res.text}`);
  return res.location;
}

/** POSTs the form fields to the ACS as a browser would (application/x-www-form-urlencoded), not following redirects. */
export async function postToAcs(
  answer: Pick<SamlAnswer, 'acsUrl' | 'SAMLResponse' | 'RelayState'>,
): Promise<RawResult> {
  const form = new URLSearchParams({ SAMLResponse: answer.SAMLResponse, RelayState: answer.RelayState });
  return raw(
    await fetch(answer.acsUrl, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: form.toString(),
    }),
  );
}

/** The one-time code in a successful ACS redirect. */
export function codeFrom(location: string | null): string {
  const code = location ? new URL(location).searchParams.get('code') : null;
  if (!code) throw new Error(`no code in the ACS redirect ${String(location)}`);
  return code;
}

/** The exchange's answer: tokens on 200, the error body otherwise. */
export interface ExchangeBody {
  access_token: string;
  refresh_token: string;
  error: { code: string; message: string };
}

/** POST /api/v1/auth/saml/exchange {code} → tokens. */
export async function exchangeCode(api: TestApi, code: string) {
  return api.request<ExchangeBody>('POST', '/api/v1/auth/saml/exchange', { body: { code } });
}

/** A whole SP-initiated sign-in without a browser: login, IdP answer, ACS, exchange. Returns the tokens. */
export async function signInThroughIdp(
  api: TestApi,
  idp: TestIdp,
  connectionId: string,
  returnTo = `${api.baseUrl}/after-sso`,
): Promise<{ access_token: string; refresh_token: string }> {
  const answer = await idp.answer(await samlLoginRedirect(api, connectionId, returnTo));
  const acs = await postToAcs(answer);
  if (acs.status !== 302) throw new Error(`ACS answered ${acs.status}: ${acs.text}`);
  const tokens = await exchangeCode(api, codeFrom(acs.location));
  if (tokens.status !== 200) throw new Error(`exchange answered ${tokens.status}: ${tokens.text}`);
  return tokens.body;
}
