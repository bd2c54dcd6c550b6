import { X509Certificate, createPrivateKey, createSign } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { SpKeyPair, certificateMatchesKey, generateSpKeyPair } from './sp-key-pair';

describe('generateSpKeyPair', () => {
  const now = new Date('2026-12-06T12:00:00Z');
  let pair: SpKeyPair;
  beforeAll(async () => {
    pair = await generateSpKeyPair('Conduit SP test', now);
  });

  it('builds a self-signed certificate X509Certificate parses and verifies', () => {
    const cert = new X509Certificate(pair.certificate);
    expect(cert.subject).toBe('CN=Conduit SP test');
    expect(cert.issuer).toBe('CN=Conduit SP test');
    expect(cert.verify(cert.publicKey)).toBe(true);
    expect(new Date(cert.validFrom).getTime()).toBeLessThanOrEqual(now.getTime());
    expect(new Date(cert.validTo).getUTCFullYear()).toBe(2036);
    expect(cert.publicKey.asymmetricKeyDetails?.modulusLength).toBe(2048);
  });

  it('pairs the certificate with its private key, and no other', async () => {
    expect(certificateMatchesKey(pair.certificate, pair.privateKey)).toBe(true);
    expect(certificateMatchesKey(pair.certificate, (await generateSpKeyPair('other', now)).privateKey)).toBe(false);
    const signature = createSign('sha256').update('x').sign(createPrivateKey(pair.privateKey));
    expect(new X509Certificate(pair.certificate).publicKey).toBeDefined();
    expect(signature.length).toBe(256);
  });

  it('gives every pair its own serial number', async () => {
    const other = await generateSpKeyPair('Conduit SP test', now);
    expect(new X509Certificate(other.certificate).serialNumber).not.toBe(
      new X509Certificate(pair.certificate).serialNumber,
    );
  });
});
