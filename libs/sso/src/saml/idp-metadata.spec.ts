import { beforeAll, describe, expect, it } from 'vitest';
import { SsoException } from '../sso.exception';
import { generateSpKeyPair } from './sp-key-pair';
import { normalizeCertificate, parseIdpMetadata } from './idp-metadata';

let cert: string;
let body: string;
beforeAll(async () => {
  cert = (await generateSpKeyPair('Test IdP', new Date())).certificate;
  body = cert.replace(/-----(BEGIN|END) CERTIFICATE-----|\s+/g, '');
});
const metadata = (idp: string) =>
  `<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="https://idp.example.com">${idp}</md:EntityDescriptor>`;
const descriptor = (inner: string) =>
  `<md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">${inner}</md:IDPSSODescriptor>`;
const key = (use = 'signing') =>
  `<md:KeyDescriptor use="${use}"><ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:X509Data><ds:X509Certificate>${body}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>`;
const sso = (binding: string, location = 'https://idp.example.com/sso') =>
  `<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:${binding}" Location="${location}"/>`;

async function refusal(xml: string): Promise<SsoException> {
  try {
    await parseIdpMetadata(xml);
  } catch (err) {
    return err as SsoException;
  }
  throw new Error('accepted');
}

describe('parseIdpMetadata', () => {
  it('reads the entity id, the HTTP-Redirect endpoints and the signing certificates', async () => {
    const idp = await parseIdpMetadata(
      metadata(
        descriptor(
          key() +
            key('encryption') +
            '<md:SingleLogoutService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://idp.example.com/slo"/>' +
            sso('HTTP-POST', 'https://idp.example.com/post') +
            sso('HTTP-Redirect'),
        ),
      ),
    );
    expect(idp).toEqual({
      entityId: 'https://idp.example.com',
      ssoUrl: 'https://idp.example.com/sso',
      sloUrl: 'https://idp.example.com/slo',
      certificates: [normalizeCertificate(cert, 'x')],
    });
  });

  it('names what is wrong', async () => {
    expect((await refusal('nope <')).code).toBe('invalid_idp_metadata');
    expect((await refusal('<!DOCTYPE x [<!ENTITY a "b">]><x/>')).message).toMatch(/document type/);
    expect((await refusal(metadata(''))).message).toMatch(/IDPSSODescriptor/);
    expect((await refusal(metadata(descriptor(key() + sso('HTTP-POST'))))).message).toMatch(/HTTP-Redirect/);
    expect((await refusal(metadata(descriptor(sso('HTTP-Redirect'))))).message).toMatch(/signing certificate/);
    expect((await refusal(metadata(descriptor(key() + sso('HTTP-Redirect', 'javascript:alert(1)'))))).message).toMatch(
      /http\(s\)/,
    );
    const badCert = metadata(descriptor(key().replace(body, 'AAAA') + sso('HTTP-Redirect')));
    expect((await refusal(badCert)).code).toBe('invalid_certificate');
  });
});

describe('normalizeCertificate', () => {
  it('takes PEM or bare base64 and answers PEM', () => {
    expect(normalizeCertificate(body, 'f')).toBe(normalizeCertificate(cert, 'f'));
    expect(normalizeCertificate(cert, 'f')).toMatch(
      /^-----BEGIN CERTIFICATE-----\n[\s\S]+\n-----END CERTIFICATE-----\n$/,
    );
  });

  it('refuses what is not a certificate, naming the field', () => {
    expect(() => normalizeCertificate('hello world', 'idp_certificates[1]')).toThrow(/idp_certificates\[1\]/);
    expect(() => normalizeCertificate('QUFBQQ==', 'f')).toThrow(/does not parse/);
  });
});
