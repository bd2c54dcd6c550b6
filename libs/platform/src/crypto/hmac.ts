// HMAC, hashing and HKDF helpers over node:crypto; callers never touch createHmac directly.
import { createHash, createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';

export function hmacSha256(secret: string | Buffer, data: string | Buffer): Buffer {
  return createHmac('sha256', secret).update(data).digest();
}

/** HMAC-SHA256 of the parts one after the other, without concatenating them first. */
export function hmacSha256Parts(secret: string | Buffer, parts: readonly (string | Buffer)[]): Buffer {
  const hmac = createHmac('sha256', secret);
  for (const part of parts) hmac.update(part);
  return hmac.digest();
}

export function hmacSha256Hex(secret: string | Buffer, data: string | Buffer): string {
  return hmacSha256(secret, data).toString('hex');
}

export function hmacSha256Base64(secret: string | Buffer, data: string | Buffer): string {
  return hmacSha256(secret, data).toString('base64');
}

export function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

const HEX = /^[0-9a-f]+$/i;

/**
 * Whether a hex string presented by a caller is this digest, in constant time. The digest's length is public (a
 * SHA-256 is 64 hex characters), so a presented value of another length or alphabet is refused at once.
 */
export function hexDigestMatches(expected: Buffer, presentedHex: string): boolean {
  if (presentedHex.length !== expected.length * 2 || !HEX.test(presentedHex)) return false;
  return timingSafeEqual(Buffer.from(presentedHex, 'hex'), expected);
}

// Hashing both sides first gives timingSafeEqual equal-length inputs, so neither the
// comparison time nor an exception reveals the expected value's length.
export function constantTimeEqual(a: string | Buffer, b: string | Buffer): boolean {
  const digestA = createHash('sha256').update(a).digest();
  const digestB = createHash('sha256').update(b).digest();
  return timingSafeEqual(digestA, digestB);
}

export function randomToken(bytes = 32): string {
  if (!Number.isInteger(bytes) || bytes < 1) {
    throw new RangeError('randomToken: bytes must be a positive integer');
  }
  return randomBytes(bytes).toString('base64url');
}

/** HKDF-SHA256 (RFC 5869): extract with `salt`, expand with `info` to `length` bytes. */
export function hkdfSha256(ikm: Buffer, salt: Buffer | string, info: Buffer | string, length: number): Buffer {
  if (!Number.isInteger(length) || length < 1 || length > 255 * 32) {
    throw new RangeError('hkdfSha256: length must be between 1 and 8160 bytes');
  }
  return Buffer.from(hkdfSync('sha256', ikm, salt, info, length));
}
