// Each connection's own SP signing key: RSA 2048 and a self-signed X.509 certificate for it. Node generates keys but
// not certificates, and no certificate library is among the dependencies (selfsigned, @peculiar/x509), so the
// certificate's DER is built here: a v3 certificate without extensions is a dozen fixed ASN.1 nodes, and its signature
// comes from node:crypto. X509Certificate parses it back and checks the signature (sp-key-pair.spec.ts).
import { X509Certificate, createPrivateKey, generateKeyPairSync, randomBytes, sign } from 'node:crypto';

export interface SpKeyPair {
  /** PKCS#8 PEM: sealed before it is stored, never answered. */
  privateKey: string;
  certificate: string;
}

const SHA256_WITH_RSA = '1.2.840.113549.1.1.11';
const COMMON_NAME = '2.5.4.3';
const VALID_YEARS = 10;

function length(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

function node(tag: number, content: Buffer): Buffer {
  return Buffer.concat([Buffer.from([tag]), length(content.length), content]);
}

const sequence = (...parts: Buffer[]) => node(0x30, Buffer.concat(parts));
const set = (...parts: Buffer[]) => node(0x31, Buffer.concat(parts));

function integer(bytes: Buffer): Buffer {
  let i = 0;
  while (i < bytes.length - 1 && bytes[i] === 0) i++;
  const trimmed = bytes.subarray(i);
  // A leading 1 bit would make it negative.
  return node(0x02, trimmed[0] & 0x80 ? Buffer.concat([Buffer.from([0]), trimmed]) : trimmed);
}

function objectId(dotted: string): Buffer {
  const [a, b, ...rest] = dotted.split('.').map(Number);
  const out = [a * 40 + b];
  for (const arc of rest) {
    const chunk = [arc & 0x7f];
    for (let v = Math.floor(arc / 128); v > 0; v = Math.floor(v / 128)) chunk.unshift((v & 0x7f) | 0x80);
    out.push(...chunk);
  }
  return node(0x06, Buffer.from(out));
}

/** UTCTime until 2049, GeneralizedTime from 2050 (RFC 5280 4.1.2.5). */
function time(d: Date): Buffer {
  const iso = d.toISOString().replace(/[-:T]/g, '').slice(0, 14) + 'Z';
  return d.getUTCFullYear() < 2050 ? node(0x17, Buffer.from(iso.slice(2))) : node(0x18, Buffer.from(iso));
}

function name(commonName: string): Buffer {
  return sequence(set(sequence(objectId(COMMON_NAME), node(0x0c, Buffer.from(commonName, 'utf8')))));
}

function pem(label: string, der: Buffer): string {
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

/** A new key pair and a certificate for it, valid from `now` for ten years, named `commonName`. */
export function generateSpKeyPair(commonName: string, now: Date): SpKeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const algorithm = sequence(objectId(SHA256_WITH_RSA), Buffer.from([0x05, 0x00]));
  const notBefore = new Date(now.getTime() - 60_000);
  const notAfter = new Date(now);
  notAfter.setUTCFullYear(notAfter.getUTCFullYear() + VALID_YEARS);
  const subject = name(commonName.slice(0, 64));
  const tbs = sequence(
    node(0xa0, integer(Buffer.from([2]))), // [0] version: v3
    integer(Buffer.concat([Buffer.from([0x01]), randomBytes(15)])), // positive serial, 16 bytes
    algorithm,
    subject, // issuer: self-signed
    sequence(time(notBefore), time(notAfter)),
    subject,
    publicKey.export({ type: 'spki', format: 'der' }),
  );
  const signature = sign('sha256', tbs, privateKey);
  const certificate = sequence(tbs, algorithm, node(0x03, Buffer.concat([Buffer.from([0]), signature])));
  return {
    privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    certificate: pem('CERTIFICATE', certificate),
  };
}

/** Whether the certificate is the private key's (checked before a key opened from storage is used). */
export function certificateMatchesKey(certificate: string, privateKey: string): boolean {
  return new X509Certificate(certificate).checkPrivateKey(createPrivateKey(privateKey));
}
