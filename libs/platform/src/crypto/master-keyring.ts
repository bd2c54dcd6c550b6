// The CONDUIT_MASTER_KEY keyring: wraps per-tenant data keys and derives purpose-bound secrets.
import { randomBytes } from 'node:crypto';
import { aesGcmDecryptRaw, aesGcmEncryptRaw, decodeBase64UrlStrict, DecryptionError } from './envelope-encryption';
import { hkdfSha256 } from './hmac';
import { CodedError } from '../errors/coded-error';

const MASTER_KEY_BYTES = 32;
const IV_BYTES = 12;
const DEFAULT_KEY_ID = 'k1';
const KEY_ID_PATTERN = /^[A-Za-z0-9_-]{1,32}$/;
const EXPECTED_FORMAT =
  'expected a base64 or base64url string of exactly 32 bytes, or a comma-separated list ' +
  '"kid:base64key,kid2:base64key" whose first entry is the active key';

/** Raised when CONDUIT_MASTER_KEY cannot be parsed; the message never repeats the value. */
export class InvalidMasterKeyError extends CodedError<'invalid_master_key'> {
  readonly code = 'invalid_master_key';

  constructor(problem: string) {
    super(`CONDUIT_MASTER_KEY is invalid: ${problem}; ${EXPECTED_FORMAT}`);
  }
}

export class MasterKeyring {
  // A private field keeps key bytes out of JSON.stringify, util.inspect and accidental logging.
  readonly #keys: ReadonlyMap<string, Buffer>;
  readonly activeKeyId: string;

  private constructor(keys: Map<string, Buffer>, activeKeyId: string) {
    this.#keys = keys;
    this.activeKeyId = activeKeyId;
  }

  static parse(value: string): MasterKeyring {
    const trimmed = typeof value === 'string' ? value.trim() : '';
    if (!trimmed) throw new InvalidMasterKeyError('it is empty');
    if (!trimmed.includes(':') && !trimmed.includes(',')) {
      return new MasterKeyring(new Map([[DEFAULT_KEY_ID, decodeMasterKey(trimmed, 'the key')]]), DEFAULT_KEY_ID);
    }
    const keys = new Map<string, Buffer>();
    trimmed.split(',').forEach((rawEntry, index) => {
      const entry = rawEntry.trim();
      const position = `entry ${String(index + 1)}`;
      const separator = entry.indexOf(':');
      if (separator < 0) throw new InvalidMasterKeyError(`${position} has no "kid:" prefix`);
      const kid = entry.slice(0, separator).trim();
      if (!KEY_ID_PATTERN.test(kid)) {
        throw new InvalidMasterKeyError(`${position} has a key id that is not 1-32 characters of [A-Za-z0-9_-]`);
      }
      // The id already matched KEY_ID_PATTERN, so naming it cannot leak key material.
      if (keys.has(kid)) throw new InvalidMasterKeyError(`key id "${kid}" appears more than once`);
      keys.set(kid, decodeMasterKey(entry.slice(separator + 1).trim(), position));
    });
    const [activeKeyId] = keys.keys();
    return new MasterKeyring(keys, activeKeyId);
  }

  /** A fresh random key, formatted for CONDUIT_MASTER_KEY. */
  static generate(): string {
    return randomBytes(MASTER_KEY_BYTES).toString('base64');
  }

  get keyIds(): string[] {
    return [...this.#keys.keys()];
  }

  has(kid: string): boolean {
    return this.#keys.has(kid);
  }

  /** `v1.<kid>.<iv>.<tag>.<ciphertext>`, the kid bound as AAD so a wrap cannot be relabelled. */
  wrapDataKey(dataKey: Buffer): string {
    if (dataKey.length !== MASTER_KEY_BYTES) throw new RangeError('data key must be 32 bytes');
    const kid = this.activeKeyId;
    const iv = randomBytes(IV_BYTES);
    const { ciphertext, tag } = aesGcmEncryptRaw(this.masterKey(kid), iv, dataKey, Buffer.from(kid, 'utf8'));
    return ['v1', kid, iv.toString('base64url'), tag.toString('base64url'), ciphertext.toString('base64url')].join('.');
  }

  unwrapDataKey(wrapped: string): Buffer {
    const parts = wrapped.split('.');
    if (parts.length !== 5 || parts[0] !== 'v1') throw new DecryptionError('unwrap failed: not a v1 wrapped key');
    const kid = parts[1];
    if (!this.#keys.has(kid)) {
      const shown = KEY_ID_PATTERN.test(kid) ? `"${kid}"` : '(malformed)';
      throw new DecryptionError(`unwrap failed: master key id ${shown} is not configured`);
    }
    const [iv, tag, ciphertext] = parts.slice(2).map(decodeBase64UrlStrict);
    if (!iv || !tag || !ciphertext) throw new DecryptionError('unwrap failed: malformed wrapped key');
    return aesGcmDecryptRaw(this.masterKey(kid), iv, { ciphertext, tag }, Buffer.from(kid, 'utf8'));
  }

  /**
   * HKDF-SHA256 of the active master key with `purpose` as info. Rotating the active key changes
   * every derived value (e.g. a JWT secret), so callers must tolerate that at rotation time.
   */
  deriveKey(purpose: string, length = 32): Buffer {
    if (!purpose) throw new RangeError('deriveKey: purpose must be a non-empty string');
    return hkdfSha256(this.masterKey(this.activeKeyId), Buffer.alloc(0), Buffer.from(purpose, 'utf8'), length);
  }

  private masterKey(kid: string): Buffer {
    const key = this.#keys.get(kid);
    if (!key) throw new DecryptionError(`master key id "${kid}" is not configured`);
    return key;
  }
}

function decodeMasterKey(encoded: string, position: string): Buffer {
  // Accept standard or URL-safe alphabets with optional padding, but not a mix of both.
  const unpadded = encoded.replace(/={1,2}$/, '');
  const isStandard = /^[A-Za-z0-9+/]+$/.test(unpadded);
  const isUrlSafe = /^[A-Za-z0-9_-]+$/.test(unpadded);
  const badPadding = unpadded !== encoded && encoded.length % 4 !== 0;
  if ((!isStandard && !isUrlSafe) || badPadding) throw new InvalidMasterKeyError(`${position} is not base64`);
  const asUrl = unpadded.replace(/\+/g, '-').replace(/\//g, '_');
  const bytes = decodeBase64UrlStrict(asUrl);
  if (!bytes || bytes.length !== MASTER_KEY_BYTES) {
    throw new InvalidMasterKeyError(`${position} does not decode to exactly 32 bytes`);
  }
  return bytes;
}
