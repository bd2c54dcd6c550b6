// An identity provider's SAML metadata and certificates, checked before a connection stores them. The XML is parsed
// with node-saml's own helpers (xmldom and xpath, its production dependencies) so production code needs nothing more.
import { X509Certificate } from 'node:crypto';
import { parseDomFromString, xpath } from '@node-saml/node-saml/lib/xml';
import { SsoException } from '../sso.exception';

const HTTP_REDIRECT = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect';

export interface IdpSettings {
  entityId: string;
  ssoUrl: string;
  sloUrl: string | null;
  certificates: string[];
}

const metadataError = (message: string) =>
  new SsoException('invalid_idp_metadata', `idp_metadata_xml: ${message}`, [{ field: 'idp_metadata_xml', message }]);

/** Reads the entity id, the HTTP-Redirect SSO (and SLO) endpoint and the signing certificates. */
export async function parseIdpMetadata(xml: string): Promise<IdpSettings> {
  if (/<!DOCTYPE/i.test(xml)) throw metadataError('a document type declaration is not accepted');
  let doc: Awaited<ReturnType<typeof parseDomFromString>>;
  try {
    doc = await parseDomFromString(xml);
  } catch {
    throw metadataError('is not a well-formed XML document');
  }
  const root = doc.documentElement;
  const entity =
    root?.localName === 'EntityDescriptor'
      ? root
      : xpath.selectElements(doc, "//*[local-name()='EntityDescriptor'][*[local-name()='IDPSSODescriptor']]")[0];
  if (!entity) throw metadataError('has no EntityDescriptor');
  const entityId = entity.getAttribute('entityID')?.trim();
  if (!entityId) throw metadataError('the EntityDescriptor has no entityID');
  const idp = xpath.selectElements(entity, "./*[local-name()='IDPSSODescriptor']")[0];
  if (!idp) throw metadataError('has no IDPSSODescriptor');
  const endpoint = (kind: string) =>
    xpath
      .selectElements(idp, `./*[local-name()='${kind}']`)
      .find((e) => e.getAttribute('Binding') === HTTP_REDIRECT)
      ?.getAttribute('Location')
      ?.trim() || null;
  const ssoUrl = endpoint('SingleSignOnService');
  if (!ssoUrl) throw metadataError('has no SingleSignOnService with the HTTP-Redirect binding');
  const keys = xpath
    .selectElements(idp, "./*[local-name()='KeyDescriptor']")
    .filter((k) => !k.getAttribute('use') || k.getAttribute('use') === 'signing');
  const certificates = keys.flatMap((k) =>
    xpath
      .selectElements(k, ".//*[local-name()='X509Certificate']")
      .map((c) => (c.textContent ?? '').replace(/\s+/g, ''))
      .filter(Boolean),
  );
  if (certificates.length === 0) throw metadataError('has no signing certificate (KeyDescriptor X509Certificate)');
  const sloUrl = endpoint('SingleLogoutService');
  for (const url of [ssoUrl, sloUrl]) {
    if (url && !isHttpUrl(url)) throw metadataError(`endpoint ${url} is not an http(s) URL`);
  }
  return {
    entityId,
    ssoUrl,
    sloUrl,
    certificates: [...new Set(certificates)].map((c, i) =>
      normalizeCertificate(c, `idp_metadata_xml certificate ${i + 1}`),
    ),
  };
}

/**
 * A certificate as PEM, from PEM or bare base64 DER; 400 invalid_certificate naming `field` when it does not parse or
 * is not an RSA or EC signing certificate.
 */
export function normalizeCertificate(input: string, field: string): string {
  const body = input.replace(/-----BEGIN CERTIFICATE-----|-----END CERTIFICATE-----/g, '').replace(/\s+/g, '');
  const invalid = (message: string) =>
    new SsoException('invalid_certificate', `${field}: ${message}`, [{ field, message }]);
  if (!body || !/^[A-Za-z0-9+/]+={0,2}$/.test(body)) throw invalid('is not a PEM or base64 X.509 certificate');
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(Buffer.from(body, 'base64'));
  } catch {
    throw invalid('does not parse as an X.509 certificate');
  }
  const type = cert.publicKey.asymmetricKeyType;
  if (type !== 'rsa' && type !== 'ec') throw invalid(`has a ${type ?? 'unknown'} key; SAML signatures need RSA or EC`);
  const lines = body.match(/.{1,64}/g) ?? [];
  return `-----BEGIN CERTIFICATE-----\n${lines.join('\n')}\n-----END CERTIFICATE-----\n`;
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:';
  } catch {
    return false;
  }
}
