// A real SAML 2.0 identity provider on 127.0.0.1 for the e2e tests, built on `samlp` (assertions signed by `saml`).
import { createSign, createVerify, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { IncomingMessage, Server, ServerResponse, createServer } from 'node:http';
import { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import samlp from 'samlp';

const FIXTURES = join(__dirname, 'fixtures');

/** The test IdP's signing pair (test-only, see fixtures/README.md). */
export const TEST_IDP_KEY_PAIR = {
  certificatePem: readFileSync(join(FIXTURES, 'test-idp.cert.pem'), 'utf8'),
  privateKeyPem: readFileSync(join(FIXTURES, 'test-idp.key.pem'), 'utf8'),
};

/** An unrelated pair nobody trusts: "signed by another certificate". */
export const ATTACKER_KEY_PAIR = {
  certificatePem: readFileSync(join(FIXTURES, 'test-attacker.cert.pem'), 'utf8'),
  privateKeyPem: readFileSync(join(FIXTURES, 'test-attacker.key.pem'), 'utf8'),
};

export const SIG_ALG_RSA_SHA256 = 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256';
export const NAMEID_EMAIL = 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress';
const STATUS_SUCCESS = 'urn:oasis:names:tc:SAML:2.0:status:Success';

export interface TestIdpUser {
  email: string;
  displayName?: string;
  groups?: string[];
  /** NameID value; the email when absent. */
  nameId?: string;
}

/** What an SP posts to its ACS: the form fields and where. */
export interface SamlAnswer {
  acsUrl: string;
  SAMLResponse: string;
  RelayState: string;
  /** The assertion's SessionIndex (what an IdP LogoutRequest names). */
  sessionIndex: string;
}

export interface AnswerOverrides {
  user?: TestIdpUser;
  /** Audience restriction; default: the AuthnRequest's Issuer (the SP entity id). */
  audience?: string;
  /** SubjectConfirmationData Recipient; default: the ACS URL. */
  recipient?: string;
  /** Response Destination; default: the ACS URL. */
  destination?: string;
  /** InResponseTo; default: the AuthnRequest's ID; null leaves it out. */
  inResponseTo?: string | null;
  relayState?: string;
  /** Default 300 s. */
  lifetimeSeconds?: number;
  /** Sign the assertion (default true). */
  signAssertion?: boolean;
  /** Sign the whole Response too (default false: like Entra ID's default, only the assertion is signed). */
  signResponse?: boolean;
  /** Sign with this pair instead of the IdP's own. */
  signWith?: { certificatePem: string; privateKeyPem: string };
  sessionIndex?: string;
}

export interface ReceivedAuthnRequest {
  id: string;
  issuer?: string;
  acsUrl?: string;
  destination?: string;
  relayState?: string;
  sigAlg?: string;
  /** The exact signed octets of the HTTP-Redirect binding (`SAMLRequest=..&RelayState=..&SigAlg=..`). */
  signedQuery?: string;
  signature?: string;
  xml: string;
}

export interface ReceivedLogoutMessage {
  kind: 'LogoutRequest' | 'LogoutResponse';
  xml: string;
  id?: string;
  issuer?: string;
  nameId?: string;
  sessionIndex?: string;
  inResponseTo?: string;
  statusCode?: string;
  relayState?: string;
  sigAlg?: string;
  signedQuery?: string;
  signature?: string;
}

export interface IssuedAssertion {
  responseXml: string;
  nameId: string;
  sessionIndex: string;
  audience: string;
  acsUrl: string;
  inResponseTo?: string;
}

export interface TestIdp {
  baseUrl: string;
  entityId: string;
  /** SingleSignOnService (HTTP-Redirect and HTTP-POST). */
  ssoUrl: string;
  /** SingleLogoutService (HTTP-Redirect). */
  sloUrl: string;
  metadataUrl: string;
  certificatePem: string;
  privateKeyPem: string;
  /** IdP EntityDescriptor with IDPSSODescriptor, signing KeyDescriptor, SSO and SLO services. */
  metadataXml: string;
  /** Who the next sign-in at the SSO URL is (the IdP's "logged-in user"). */
  nextUser: TestIdpUser;
  readonly authnRequests: ReceivedAuthnRequest[];
  readonly logoutMessages: ReceivedLogoutMessage[];
  readonly issued: IssuedAssertion[];
  /** Where the IdP sends its LogoutResponse for an SP entity id; default `<entity id without /metadata>/slo`. */
  spSloUrlFor: (spEntityId: string) => string;
  /** Answer an SP's login redirect (its Location header) without HTTP: what the auto-post form would send. */
  answer(loginRedirectUrl: string, overrides?: AnswerOverrides): Promise<SamlAnswer>;
  /** An unsolicited (IdP-initiated) response. */
  idpInitiated(opts: {
    acsUrl: string;
    audience: string;
    user?: TestIdpUser;
    relayState?: string;
    overrides?: AnswerOverrides;
  }): Promise<SamlAnswer>;
  /** A signed IdP LogoutRequest in the HTTP-Redirect binding, addressed to the SP's SLO URL. */
  logoutRequestUrl(opts: {
    spSloUrl: string;
    nameId: string;
    sessionIndex?: string;
    relayState?: string;
    signWith?: { privateKeyPem: string };
  }): string;
  /** Whether an HTTP-Redirect message's detached signature verifies with the SP's certificate. */
  redirectSignatureValid(
    msg: { signedQuery?: string; signature?: string; sigAlg?: string },
    spCertPem: string,
  ): boolean;
  close(): Promise<void>;
}

interface ParsedRedirect {
  raw: Record<string, string>;
  query: Record<string, string>;
}

/** Keeps the raw (still URL-encoded) values too: the redirect binding signs exactly those octets. */
function parseQuery(search: string): ParsedRedirect {
  const raw: Record<string, string> = {};
  const query: Record<string, string> = {};
  for (const part of search.replace(/^\?/, '').split('&')) {
    if (!part) continue;
    const eq = part.indexOf('=');
    const k = eq < 0 ? part : part.slice(0, eq);
    const v = eq < 0 ? '' : part.slice(eq + 1);
    const key = decodeURIComponent(k.replace(/\+/g, ' '));
    raw[key] = v;
    query[key] = decodeURIComponent(v.replace(/\+/g, ' '));
  }
  return { raw, query };
}

function signedQueryOf(raw: Record<string, string>, kind: 'SAMLRequest' | 'SAMLResponse'): string | undefined {
  if (raw[kind] === undefined || raw.SigAlg === undefined) return undefined;
  const parts = [`${kind}=${raw[kind]}`];
  if (raw.RelayState !== undefined) parts.push(`RelayState=${raw.RelayState}`);
  parts.push(`SigAlg=${raw.SigAlg}`);
  return parts.join('&');
}

function inflateMessage(b64: string): string {
  const buf = Buffer.from(b64, 'base64');
  // HTTP-POST carries plain base64 XML; HTTP-Redirect deflates it.
  return buf[0] === 0x3c ? buf.toString('utf8') : inflateRawSync(buf).toString('utf8');
}

function firstMatch(xml: string, re: RegExp): string | undefined {
  return re.exec(xml)?.[1];
}

function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function escapeXml(s: string): string {
  return escapeHtml(s).replace(/'/g, '&apos;');
}

/** The HTML page a real IdP answers with: a form that posts itself to the ACS. */
export function autoPostForm(answer: Pick<SamlAnswer, 'acsUrl' | 'SAMLResponse' | 'RelayState'>): string {
  return `<!doctype html>
<html><head><title>Signing in…</title></head>
<body>
<form method="post" action="${escapeHtml(answer.acsUrl)}">
<input type="hidden" name="SAMLResponse" value="${escapeHtml(answer.SAMLResponse)}">
<input type="hidden" name="RelayState" value="${escapeHtml(answer.RelayState)}">
<noscript><button type="submit">Continue</button></noscript>
</form>
<script>document.forms[0].submit();</script>
</body></html>`;
}

function profileMapperFor(): NonNullable<Parameters<typeof samlp.getSamlResponse>[0]['profileMapper']> {
  // A `function` (not an arrow): samlp reads the claim list for its metadata from `mapper.prototype.metadata`.
  const mapper = function (user: TestIdpUser) {
    return {
      getClaims: () => ({
        email: user.email,
        displayName: user.displayName,
        // Multi-valued: one AttributeValue per group (none when the list is empty).
        groups: user.groups && user.groups.length > 0 ? user.groups : undefined,
      }),
      getNameIdentifier: () => ({ nameIdentifier: user.nameId ?? user.email, nameIdentifierFormat: NAMEID_EMAIL }),
    };
  } as unknown as NonNullable<Parameters<typeof samlp.getSamlResponse>[0]['profileMapper']>;
  mapper.prototype.metadata = [
    { id: 'email', optional: false, displayName: 'E-Mail Address', description: 'The e-mail address of the user' },
    { id: 'displayName', optional: true, displayName: 'Display Name', description: 'The display name of the user' },
    { id: 'groups', optional: true, displayName: 'Groups', description: 'The groups the user belongs to' },
  ];
  return mapper;
}

/** Sign an HTTP-Redirect message: `<kind>=<deflated b64>&RelayState=..&SigAlg=..&Signature=..`. */
export function redirectBindingUrl(
  target: string,
  kind: 'SAMLRequest' | 'SAMLResponse',
  xml: string,
  privateKeyPem: string,
  relayState?: string,
): string {
  const encoded = deflateRawSync(Buffer.from(xml, 'utf8')).toString('base64');
  let signed = `${kind}=${encodeURIComponent(encoded)}`;
  if (relayState !== undefined) signed += `&RelayState=${encodeURIComponent(relayState)}`;
  signed += `&SigAlg=${encodeURIComponent(SIG_ALG_RSA_SHA256)}`;
  const signature = createSign('RSA-SHA256').update(signed).sign(privateKeyPem, 'base64');
  return `${target}${target.includes('?') ? '&' : '?'}${signed}&Signature=${encodeURIComponent(signature)}`;
}

function newId(): string {
  return `_${randomBytes(20).toString('hex')}`;
}

function isoNow(offsetMs = 0): string {
  return new Date(Date.now() + offsetMs).toISOString();
}

export async function startTestIdp(opts: { keyPair?: typeof TEST_IDP_KEY_PAIR } = {}): Promise<TestIdp> {
  const keyPair = opts.keyPair ?? TEST_IDP_KEY_PAIR;
  const profileMapper = profileMapperFor();
  const authnRequests: ReceivedAuthnRequest[] = [];
  const logoutMessages: ReceivedLogoutMessage[] = [];
  const issued: IssuedAssertion[] = [];

  async function parseAuthnRequest(
    samlRequest: string,
  ): Promise<{ id: string; issuer?: string; acsUrl?: string; destination?: string }> {
    const data = await new Promise<NonNullable<Parameters<Parameters<typeof samlp.parseRequest>[1]>[1]>>(
      (resolve, reject) =>
        samlp.parseRequest({ query: { SAMLRequest: samlRequest } }, (err, parsed) =>
          err || !parsed ? reject(err ?? new Error('no SAMLRequest')) : resolve(parsed),
        ),
    );
    if (!data.id) throw new Error('AuthnRequest without ID');
    return {
      id: data.id,
      issuer: data.issuer,
      acsUrl: data.assertionConsumerServiceURL,
      destination: data.destination,
    };
  }

  async function buildAnswer(input: {
    acsUrl: string;
    audience: string;
    inResponseTo?: string;
    relayState: string;
    overrides: AnswerOverrides;
    user: TestIdpUser;
  }): Promise<SamlAnswer> {
    const o = input.overrides;
    const signer = o.signWith ?? keyPair;
    const sessionIndex = o.sessionIndex ?? newId();
    const audience = o.audience ?? input.audience;
    const inResponseTo = o.inResponseTo === null ? undefined : (o.inResponseTo ?? input.inResponseTo);
    const xml = await new Promise<string>((resolve, reject) =>
      samlp.getSamlResponse(
        {
          issuer: idp.entityId,
          cert: signer.certificatePem,
          key: signer.privateKeyPem,
          audience,
          recipient: o.recipient ?? input.acsUrl,
          destination: o.destination ?? input.acsUrl,
          inResponseTo,
          profileMapper,
          signatureAlgorithm: 'rsa-sha256',
          digestAlgorithm: 'sha256',
          signAssertion: o.signAssertion ?? true,
          signResponse: o.signResponse ?? false,
          lifetimeInSeconds: o.lifetimeSeconds ?? 300,
          sessionIndex,
          nameIdentifierFormat: NAMEID_EMAIL,
        },
        input.user,
        (err, out) => (err || !out ? reject(err ?? new Error('no SAMLResponse')) : resolve(out)),
      ),
    );
    issued.push({
      responseXml: xml,
      nameId: input.user.nameId ?? input.user.email,
      sessionIndex,
      audience,
      acsUrl: input.acsUrl,
      inResponseTo,
    });
    return {
      acsUrl: input.acsUrl,
      SAMLResponse: Buffer.from(xml, 'utf8').toString('base64'),
      RelayState: input.relayState,
      sessionIndex,
    };
  }

  async function answerRequest(
    samlRequest: string,
    relayState: string | undefined,
    overrides: AnswerOverrides,
  ): Promise<SamlAnswer> {
    const req = await parseAuthnRequest(samlRequest);
    if (!req.acsUrl) throw new Error('AuthnRequest without AssertionConsumerServiceURL');
    if (!req.issuer) throw new Error('AuthnRequest without Issuer');
    return buildAnswer({
      acsUrl: req.acsUrl,
      audience: req.issuer,
      inResponseTo: req.id,
      relayState: overrides.relayState ?? relayState ?? '',
      overrides,
      user: overrides.user ?? idp.nextUser,
    });
  }

  function recordAuthnRequest(
    xml: string,
    parsed: ParsedRedirect,
    meta: Awaited<ReturnType<typeof parseAuthnRequest>>,
  ): void {
    authnRequests.push({
      id: meta.id,
      issuer: meta.issuer,
      acsUrl: meta.acsUrl,
      destination: meta.destination,
      relayState: parsed.query.RelayState,
      sigAlg: parsed.query.SigAlg,
      signedQuery: signedQueryOf(parsed.raw, 'SAMLRequest'),
      signature: parsed.query.Signature,
      xml,
    });
  }

  function recordLogout(parsed: ParsedRedirect, kind: 'SAMLRequest' | 'SAMLResponse'): ReceivedLogoutMessage {
    const xml = inflateMessage(parsed.query[kind]);
    const msg: ReceivedLogoutMessage = {
      kind: kind === 'SAMLRequest' ? 'LogoutRequest' : 'LogoutResponse',
      xml,
      id: firstMatch(xml, /<(?:\w+:)?Logout(?:Request|Response)\b[^>]*\sID="([^"]+)"/),
      inResponseTo: firstMatch(xml, /<(?:\w+:)?LogoutResponse\b[^>]*\sInResponseTo="([^"]+)"/),
      issuer: firstMatch(xml, /<(?:\w+:)?Issuer\b[^>]*>([^<]*)</),
      nameId: firstMatch(xml, /<(?:\w+:)?NameID\b[^>]*>([^<]*)</),
      sessionIndex: firstMatch(xml, /<(?:\w+:)?SessionIndex\b[^>]*>([^<]*)</),
      statusCode: firstMatch(xml, /<(?:\w+:)?StatusCode\b[^>]*\sValue="([^"]+)"/),
      relayState: parsed.query.RelayState,
      sigAlg: parsed.query.SigAlg,
      signedQuery: signedQueryOf(parsed.raw, kind),
      signature: parsed.query.Signature,
    };
    logoutMessages.push(msg);
    return msg;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', idp.baseUrl);
    let parsed = parseQuery(url.search);
    if (req.method === 'POST') {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      parsed = parseQuery(Buffer.concat(chunks).toString('utf8'));
    }
    if (url.pathname === '/metadata' && req.method === 'GET') {
      res.writeHead(200, { 'content-type': 'application/samlmetadata+xml' }).end(idp.metadataXml);
      return;
    }
    if (url.pathname === '/sso') {
      const samlRequest = parsed.query.SAMLRequest;
      if (!samlRequest) {
        res.writeHead(400, { 'content-type': 'text/plain' }).end('SAMLRequest missing');
        return;
      }
      const xml = inflateMessage(samlRequest);
      const meta = await parseAuthnRequest(samlRequest);
      recordAuthnRequest(xml, parsed, meta);
      const answer = await answerRequest(samlRequest, parsed.query.RelayState, {});
      res
        .writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' })
        .end(autoPostForm(answer));
      return;
    }
    if (url.pathname === '/slo') {
      if (parsed.query.SAMLRequest) {
        // SP-initiated logout: answer with a signed LogoutResponse to the SP's SLO endpoint.
        const msg = recordLogout(parsed, 'SAMLRequest');
        const target = idp.spSloUrlFor(msg.issuer ?? '');
        const responseXml =
          `<samlp:LogoutResponse xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ` +
          `xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="${newId()}" Version="2.0" ` +
          `IssueInstant="${isoNow()}" Destination="${escapeXml(target)}"` +
          (msg.id ? ` InResponseTo="${escapeXml(msg.id)}"` : '') +
          `><saml:Issuer>${escapeXml(idp.entityId)}</saml:Issuer>` +
          `<samlp:Status><samlp:StatusCode Value="${STATUS_SUCCESS}"/></samlp:Status></samlp:LogoutResponse>`;
        const location = redirectBindingUrl(target, 'SAMLResponse', responseXml, keyPair.privateKeyPem, msg.relayState);
        res.writeHead(302, { location }).end();
        return;
      }
      if (parsed.query.SAMLResponse) {
        recordLogout(parsed, 'SAMLResponse');
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end('<p>Signed out.</p>');
        return;
      }
      res.writeHead(400, { 'content-type': 'text/plain' }).end('SAMLRequest or SAMLResponse missing');
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(400, { 'content-type': 'text/plain' });
      res.end(`test IdP refused the request: ${err instanceof Error ? err.message : String(err)}`);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  const baseUrl = `http://127.0.0.1:${port}`;

  const metadataXml = await new Promise<string>((resolve) => {
    const middleware = samlp.metadata({
      issuer: `${baseUrl}/metadata`,
      cert: keyPair.certificatePem,
      profileMapper,
      redirectEndpointPath: '/sso',
      postEndpointPath: '/sso',
      logoutEndpointPaths: { redirect: '/slo' },
    });
    middleware(
      { originalUrl: '/metadata', protocol: 'http', headers: { host: `127.0.0.1:${port}` } },
      { set: () => undefined, send: (body: string) => resolve(body) },
    );
  });

  const idp: TestIdp = {
    baseUrl,
    entityId: `${baseUrl}/metadata`,
    ssoUrl: `${baseUrl}/sso`,
    sloUrl: `${baseUrl}/slo`,
    metadataUrl: `${baseUrl}/metadata`,
    certificatePem: keyPair.certificatePem,
    privateKeyPem: keyPair.privateKeyPem,
    metadataXml,
    nextUser: { email: 'sso.user@example.test', displayName: 'SSO User', groups: [] },
    authnRequests,
    logoutMessages,
    issued,
    spSloUrlFor: (spEntityId) => spEntityId.replace(/\/metadata$/, '/slo'),

    async answer(loginRedirectUrl, overrides = {}) {
      const parsed = parseQuery(new URL(loginRedirectUrl).search);
      const samlRequest = parsed.query.SAMLRequest;
      if (!samlRequest) throw new Error(`no SAMLRequest in ${loginRedirectUrl}`);
      const meta = await parseAuthnRequest(samlRequest);
      recordAuthnRequest(inflateMessage(samlRequest), parsed, meta);
      return answerRequest(samlRequest, parsed.query.RelayState, overrides);
    },

    async idpInitiated({ acsUrl, audience, user, relayState, overrides = {} }) {
      return buildAnswer({
        acsUrl,
        audience,
        relayState: relayState ?? '',
        overrides: { inResponseTo: null, ...overrides },
        user: user ?? overrides.user ?? idp.nextUser,
      });
    },

    logoutRequestUrl({ spSloUrl, nameId, sessionIndex, relayState, signWith }) {
      const xml =
        `<samlp:LogoutRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ` +
        `xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="${newId()}" Version="2.0" ` +
        `IssueInstant="${isoNow()}" Destination="${escapeXml(spSloUrl)}" NotOnOrAfter="${isoNow(5 * 60_000)}">` +
        `<saml:Issuer>${escapeXml(idp.entityId)}</saml:Issuer>` +
        `<saml:NameID Format="${NAMEID_EMAIL}">${escapeXml(nameId)}</saml:NameID>` +
        (sessionIndex ? `<samlp:SessionIndex>${escapeXml(sessionIndex)}</samlp:SessionIndex>` : '') +
        `</samlp:LogoutRequest>`;
      return redirectBindingUrl(spSloUrl, 'SAMLRequest', xml, (signWith ?? keyPair).privateKeyPem, relayState);
    },

    redirectSignatureValid(msg, spCertPem) {
      if (!msg.signedQuery || !msg.signature || msg.sigAlg !== SIG_ALG_RSA_SHA256) return false;
      return createVerify('RSA-SHA256').update(msg.signedQuery).verify(spCertPem, msg.signature, 'base64');
    },

    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return idp;
}
