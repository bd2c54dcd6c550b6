// Each connection's own SP signing key: RSA 2048 and a self-signed X.509 certificate for it. Node generates keys but
// not certificates; @peculiar/x509 (a maintained X.509 library on WebCrypto) builds and signs the certificate.
import 'reflect-metadata'; // @peculiar/x509's dependency injection (tsyringe) needs it loaded, as the apps do
import { X509Certificate, createPrivateKey, randomBytes, webcrypto } from 'node:crypto';
import { X509CertificateGenerator, cryptoProvider } from '@peculiar/x509';

export interface SpKeyPair {
  /** PKCS#8 PEM: sealed before it is stored, never answered. */
  privateKey: string;
  certificate: string;
}

const VALID_YEARS = 10;
const RSA_SHA256 = {
  name: 'RSASSA-PKCS1-v1_5',
  hash: 'SHA-256',
  publicExponent: new Uint8Array([1, 0, 1]),
  modulusLength: 2048,
};

cryptoProvider.set(webcrypto as unknown as Parameters<typeof cryptoProvider.set>[0]);

function pem(label: string, der: ArrayBuffer): string {
  const lines =
    Buffer.from(der)
      .toString('base64')
      .match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

/** A new key pair and a certificate for it, valid from `now` for ten years, named `commonName`. */
export async function generateSpKeyPair(commonName: string, now: Date): Promise<SpKeyPair> {
  const keys = await webcrypto.subtle.generateKey(RSA_SHA256, true, ['sign', 'verify']);
  const notAfter = new Date(now);
  notAfter.setUTCFullYear(notAfter.getUTCFullYear() + VALID_YEARS);
  const certificate = await X509CertificateGenerator.createSelfSigned({
    // Positive (leading bit clear), 16 bytes: unique per pair.
    serialNumber: `01${randomBytes(15).toString('hex')}`,
    name: [{ CN: [commonName.slice(0, 64)] }],
    notBefore: new Date(now.getTime() - 60_000),
    notAfter,
    signingAlgorithm: RSA_SHA256,
    keys: keys as unknown as Parameters<typeof X509CertificateGenerator.createSelfSigned>[0]['keys'],
  });
  return {
    privateKey: pem('PRIVATE KEY', await webcrypto.subtle.exportKey('pkcs8', keys.privateKey)),
    certificate: certificate.toString('pem') + '\n',
  };
}

/** Whether the certificate is the private key's (checked before a key opened from storage is used). */
export function certificateMatchesKey(certificate: string, privateKey: string): boolean {
  return new X509Certificate(certificate).checkPrivateKey(createPrivateKey(privateKey));
}
