// AES-256-GCM sealing of tenant secrets with a data key; the master keyring wraps the data keys.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { CodedError } from '../errors/coded-error';

const ALGORITHM = 'aes-256-gcm';
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const VERSION = 'v1';

/** Raised for any failure to open a sealed value; deliberately carries no key or plaintext. */
export class DecryptionError extends CodedError<'decryption_failed'> {
  readonly code = 'decryption_failed';

  constructor(reason = 'decryption failed') {
    super(reason);
  }
}

export interface AesGcmSealed {
  ciphertext: Buffer;
  tag: Buffer;
}

export function generateDataKey(): Buffer {
  return randomBytes(KEY_BYTES);
}

/** Low-level AES-256-GCM with a caller-chosen IV; only for known-answer tests and the sealers below. */
export function aesGcmEncryptRaw(key: Buffer, iv: Buffer, plaintext: Buffer, aad?: Buffer): AesGcmSealed {
  assertKey(key);
  if (iv.length !== IV_BYTES) throw new RangeError('AES-GCM IV must be 12 bytes');
  const cipher = createCipheriv(ALGORITHM, key, iv, { authTagLength: TAG_BYTES });
  if (aad) cipher.setAAD(aad);
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return { ciphertext, tag: cipher.getAuthTag() };
}

export function aesGcmDecryptRaw(key: Buffer, iv: Buffer, sealed: AesGcmSealed, aad?: Buffer): Buffer {
  // Node accepts truncated tags unless told otherwise; pinning 16 bytes closes that forgery path.
  if (key.length !== KEY_BYTES || iv.length !== IV_BYTES || sealed.tag.length !== TAG_BYTES) {
    throw new DecryptionError('decryption failed: malformed key, iv or tag');
  }
  try {
    const decipher = createDecipheriv(ALGORITHM, key, iv, { authTagLength: TAG_BYTES });
    if (aad) decipher.setAAD(aad);
    decipher.setAuthTag(sealed.tag);
    return Buffer.concat([decipher.update(sealed.ciphertext), decipher.final()]);
  } catch {
    throw new DecryptionError('decryption failed: authentication tag mismatch');
  }
}

/** Seals `plaintext` as `v1.<iv>.<tag>.<ciphertext>` (base64url parts). `aad` must be repeated to open it. */
export function encryptWithDataKey(dataKey: Buffer, plaintext: string | Buffer, aad?: string): string {
  const iv = randomBytes(IV_BYTES);
  const data = typeof plaintext === 'string' ? Buffer.from(plaintext, 'utf8') : plaintext;
  const { ciphertext, tag } = aesGcmEncryptRaw(dataKey, iv, data, aadBytes(aad));
  return `${VERSION}.${iv.toString('base64url')}.${tag.toString('base64url')}.${ciphertext.toString('base64url')}`;
}

export function decryptWithDataKey(dataKey: Buffer, sealed: string, aad?: string): Buffer {
  const parts = sealed.split('.');
  if (parts.length !== 4 || parts[0] !== VERSION) {
    throw new DecryptionError('decryption failed: not a v1 sealed value');
  }
  const [iv, tag, ciphertext] = parts.slice(1).map(decodeBase64UrlStrict);
  if (!iv || !tag || !ciphertext) throw new DecryptionError('decryption failed: malformed sealed value');
  return aesGcmDecryptRaw(dataKey, iv, { ciphertext, tag }, aadBytes(aad));
}

/** Base64url without padding, rejecting anything Buffer.from would silently skip or reinterpret. */
export function decodeBase64UrlStrict(value: string): Buffer | undefined {
  if (!/^[A-Za-z0-9_-]*$/.test(value)) return undefined;
  const bytes = Buffer.from(value, 'base64url');
  return bytes.toString('base64url') === value ? bytes : undefined;
}

function aadBytes(aad: string | undefined): Buffer | undefined {
  return aad === undefined ? undefined : Buffer.from(aad, 'utf8');
}

function assertKey(key: Buffer): void {
  if (key.length !== KEY_BYTES) throw new RangeError('AES-256-GCM key must be 32 bytes');
}
