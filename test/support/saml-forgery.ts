// Forged SAML responses for the attack tests: each starts from what the test IdP really answers and changes one thing.
import { randomBytes } from 'node:crypto';
import { DOMParser, Document, Element, XMLSerializer } from '@xmldom/xmldom';
import { SignedXml } from 'xml-crypto';
import { ATTACKER_KEY_PAIR, SamlAnswer, TestIdp, TestIdpUser } from './saml-idp';

const NS_SAML = 'urn:oasis:names:tc:SAML:2.0:assertion';
const NS_SAMLP = 'urn:oasis:names:tc:SAML:2.0:protocol';
const NS_DS = 'http://www.w3.org/2000/09/xmldsig#';

/** Where XML signature wrapping puts the injected, unsigned assertion relative to the signed one. */
export type WrappingPosition =
  /** Injected assertion first, the signed one after it (same ID: an ID lookup finds the injected one... or not). */
  | 'sibling-before'
  /** Signed assertion first, the injected one after it. */
  | 'sibling-after'
  /** The signed assertion hidden in the Response's samlp:Extensions; the injected one in its place. */
  | 'extensions'
  /** The injected assertion carries the original Signature, with the signed assertion inside its ds:Object. */
  | 'object';

export const WRAPPING_POSITIONS: readonly WrappingPosition[] = [
  'sibling-before',
  'sibling-after',
  'extensions',
  'object',
];

export function decodeSamlResponse(b64: string): string {
  return Buffer.from(b64, 'base64').toString('utf8');
}

export function encodeSamlResponse(xml: string): string {
  return Buffer.from(xml, 'utf8').toString('base64');
}

function withXml(answer: SamlAnswer, xml: string): SamlAnswer {
  return { ...answer, SAMLResponse: encodeSamlResponse(xml) };
}

function parse(xml: string): Document {
  return new DOMParser().parseFromString(xml, 'text/xml');
}

function serialize(doc: Document): string {
  return new XMLSerializer().serializeToString(doc);
}

function children(el: Element, ns: string, local: string): Element[] {
  const out: Element[] = [];
  for (let n = el.firstChild; n; n = n.nextSibling) {
    if (n.nodeType === 1 && (n as Element).namespaceURI === ns && (n as Element).localName === local)
      out.push(n as Element);
  }
  return out;
}

function only<T>(list: T[], what: string): T {
  if (list.length !== 1) throw new Error(`expected exactly one ${what}, found ${list.length}`);
  return list[0];
}

function rootOf(doc: Document): Element {
  if (!doc.documentElement) throw new Error('empty SAML response');
  return doc.documentElement;
}

function assertionOf(doc: Document): Element {
  return only(children(rootOf(doc), NS_SAML, 'Assertion'), 'Assertion in the Response');
}

/** Rewrites who an assertion is about: NameID and the email / displayName attribute values. */
function setSubject(assertion: Element, user: TestIdpUser): void {
  const nameId = only(Array.from(assertion.getElementsByTagNameNS(NS_SAML, 'NameID')), 'NameID');
  nameId.textContent = user.nameId ?? user.email;
  for (const attr of Array.from(assertion.getElementsByTagNameNS(NS_SAML, 'Attribute'))) {
    const name = attr.getAttribute('Name');
    const value = name === 'email' ? user.email : name === 'displayName' ? user.displayName : undefined;
    if (value === undefined) continue;
    for (const v of Array.from(attr.getElementsByTagNameNS(NS_SAML, 'AttributeValue'))) v.textContent = value;
  }
}

function removeSignature(el: Element): Element | undefined {
  const sig = children(el, NS_DS, 'Signature')[0];
  if (sig) el.removeChild(sig);
  return sig;
}

/** (Re-)signs the Response's assertion, enveloped, after its Issuer, as the IdP (or whoever holds `pair`) would. */
export function signAssertionXml(xml: string, pair: { certificatePem: string; privateKeyPem: string }): string {
  const doc = parse(xml);
  removeSignature(assertionOf(doc));
  const sig = new SignedXml({
    privateKey: pair.privateKeyPem,
    publicCert: pair.certificatePem,
    signatureAlgorithm: 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
    canonicalizationAlgorithm: 'http://www.w3.org/2001/10/xml-exc-c14n#',
  });
  sig.addReference({
    xpath: "/*[local-name(.)='Response']/*[local-name(.)='Assertion']",
    transforms: ['http://www.w3.org/2000/09/xmldsig#enveloped-signature', 'http://www.w3.org/2001/10/xml-exc-c14n#'],
    digestAlgorithm: 'http://www.w3.org/2001/04/xmlenc#sha256',
  });
  sig.computeSignature(serialize(doc), {
    location: {
      reference: "/*[local-name(.)='Response']/*[local-name(.)='Assertion']/*[local-name(.)='Issuer']",
      action: 'after',
    },
  });
  return sig.getSignedXml();
}

/** Moves every time in the response `seconds` into the past (IssueInstant, NotBefore, NotOnOrAfter, AuthnInstant). */
function shiftTimes(xml: string, seconds: number): string {
  return xml.replace(
    /\b(IssueInstant|NotBefore|NotOnOrAfter|AuthnInstant)="([^"]+)"/g,
    (_m, attr: string, iso: string) => `${attr}="${new Date(Date.parse(iso) - seconds * 1000).toISOString()}"`,
  );
}

/** No signature anywhere (assertion and response unsigned). */
export function forgeUnsigned(idp: TestIdp, loginRedirectUrl: string, user?: TestIdpUser): Promise<SamlAnswer> {
  return idp.answer(loginRedirectUrl, { user, signAssertion: false, signResponse: false });
}

/** Well-formed and signed, but by a key pair the connection does not trust (its certificate in KeyInfo). */
export function forgeSignedByOtherCertificate(
  idp: TestIdp,
  loginRedirectUrl: string,
  user?: TestIdpUser,
): Promise<SamlAnswer> {
  return idp.answer(loginRedirectUrl, { user, signWith: ATTACKER_KEY_PAIR });
}

/** Signed by the IdP, but for another service provider (an assertion stolen from another SP of the same IdP). */
export function forgeWrongAudience(
  idp: TestIdp,
  loginRedirectUrl: string,
  audience = 'https://other-sp.example.test/saml/metadata',
): Promise<SamlAnswer> {
  return idp.answer(loginRedirectUrl, { audience });
}

/** Signed by the IdP, every time shifted `ageSeconds` into the past (default one hour: far beyond any clock skew). */
export async function forgeExpired(idp: TestIdp, loginRedirectUrl: string, ageSeconds = 3600): Promise<SamlAnswer> {
  const answer = await idp.answer(loginRedirectUrl, { lifetimeSeconds: 300 });
  const xml = signAssertionXml(shiftTimes(decodeSamlResponse(answer.SAMLResponse), ageSeconds), idp);
  return withXml(answer, xml);
}

/** Signed by the IdP, answering an AuthnRequest the SP never sent. */
export function forgeUnknownInResponseTo(idp: TestIdp, loginRedirectUrl: string): Promise<SamlAnswer> {
  return idp.answer(loginRedirectUrl, { inResponseTo: `_${randomBytes(20).toString('hex')}` });
}

/**
 * XML signature wrapping: the IdP's validly signed assertion for `signedUser`, plus an unsigned copy rewritten for
 * `injectedUser` (same ID) placed where a naive SP would read it.
 */
export async function forgeSignatureWrapping(
  idp: TestIdp,
  loginRedirectUrl: string,
  opts: { signedUser: TestIdpUser; injectedUser: TestIdpUser; position: WrappingPosition },
): Promise<SamlAnswer> {
  const answer = await idp.answer(loginRedirectUrl, { user: opts.signedUser });
  const doc = parse(decodeSamlResponse(answer.SAMLResponse));
  const response = rootOf(doc);
  const signed = assertionOf(doc);
  const injected = signed.cloneNode(true) as Element;
  removeSignature(injected);
  setSubject(injected, opts.injectedUser);

  switch (opts.position) {
    case 'sibling-before':
      response.insertBefore(injected, signed);
      break;
    case 'sibling-after':
      response.insertBefore(injected, signed.nextSibling);
      break;
    case 'extensions': {
      const status = only(children(response, NS_SAMLP, 'Status'), 'Status');
      const extensions = doc.createElementNS(NS_SAMLP, 'samlp:Extensions');
      response.insertBefore(extensions, status);
      response.replaceChild(injected, signed);
      extensions.appendChild(signed);
      break;
    }
    case 'object': {
      const signature = removeSignature(signed);
      if (!signature) throw new Error('the IdP answer has no assertion signature to wrap');
      const object = doc.createElementNS(NS_DS, 'Object');
      signature.appendChild(object);
      const issuer = only(children(injected, NS_SAML, 'Issuer'), 'Issuer');
      injected.insertBefore(signature, issuer.nextSibling);
      response.replaceChild(injected, signed);
      // The signed assertion (now without its enveloped signature, which the transform removes anyway) in ds:Object.
      object.appendChild(signed);
      break;
    }
    default: {
      const never: never = opts.position;
      throw new Error(`unknown wrapping position ${String(never)}`);
    }
  }
  return withXml(answer, serialize(doc));
}

/**
 * Comment injection: the IdP signs `victim` + `suffix` (an address the attacker really holds, e.g.
 * admin@x.test.evil.test); a comment splits the text so naive first-text-node extraction reads the victim's address.
 * Canonicalization drops comments, so the signature stays valid.
 */
export async function forgeCommentInjection(
  idp: TestIdp,
  loginRedirectUrl: string,
  opts: { victimEmail: string; suffix?: string },
): Promise<{ answer: SamlAnswer; signedEmail: string }> {
  const suffix = opts.suffix ?? '.evil.test';
  const signedEmail = `${opts.victimEmail}${suffix}`;
  const answer = await idp.answer(loginRedirectUrl, {
    user: { email: signedEmail, displayName: 'Mallory', groups: [] },
  });
  const xml = decodeSamlResponse(answer.SAMLResponse);
  const injected = xml.split(`>${signedEmail}<`).join(`>${opts.victimEmail}<!---->${suffix}<`);
  if (injected === xml) throw new Error('comment injection found no text node to split');
  return { answer: withXml(answer, injected), signedEmail };
}
