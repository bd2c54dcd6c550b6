import {
  aesGcmDecryptRaw,
  aesGcmEncryptRaw,
  DecryptionError,
  decryptWithDataKey,
  encryptWithDataKey,
  generateDataKey,
} from './envelope-encryption';

const hex = (value: string): Buffer => Buffer.from(value, 'hex');

// Flips one bit of the chosen base64url part, keeping the encoding canonical so the
// failure comes from authentication rather than from parsing.
function tamper(sealed: string, partIndex: number, byteIndex = 0): string {
  const parts = sealed.split('.');
  const bytes = Buffer.from(parts[partIndex], 'base64url');
  bytes[byteIndex] ^= 0x01;
  parts[partIndex] = bytes.toString('base64url');
  return parts.join('.');
}

describe('aesGcmEncryptRaw (GCM spec test case 16, AES-256 with AAD)', () => {
  const key = hex('feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308');
  const iv = hex('cafebabefacedbaddecaf888');
  const plaintext = hex(
    'd9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72' +
      '1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39',
  );
  const aad = hex('feedfacedeadbeeffeedfacedeadbeefabaddad2');
  const ciphertext = hex(
    '522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa' +
      '8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662',
  );
  const tag = hex('76fc6ece0f4e1768cddf8853bb2d551b');

  it('produces the published ciphertext and tag', () => {
    const sealed = aesGcmEncryptRaw(key, iv, plaintext, aad);
    expect(sealed.ciphertext.toString('hex')).toBe(ciphertext.toString('hex'));
    expect(sealed.tag.toString('hex')).toBe(tag.toString('hex'));
  });

  it('opens the published ciphertext', () => {
    expect(aesGcmDecryptRaw(key, iv, { ciphertext, tag }, aad).equals(plaintext)).toBe(true);
  });

  it('rejects a truncated tag instead of checking only its prefix', () => {
    expect(() => aesGcmDecryptRaw(key, iv, { ciphertext, tag: tag.subarray(0, 4) }, aad)).toThrow(DecryptionError);
  });

  it('GCM spec test case 14: zero key, zero IV, one zero block', () => {
    const sealed = aesGcmEncryptRaw(Buffer.alloc(32), Buffer.alloc(12), Buffer.alloc(16));
    expect(sealed.ciphertext.toString('hex')).toBe('cea7403d4d606b6e074ec5d3baf39d18');
    expect(sealed.tag.toString('hex')).toBe('d0d1c8a799996bf0265b98b5d48ab919');
  });
});

describe('encryptWithDataKey / decryptWithDataKey', () => {
  const dataKey = generateDataKey();

  it('generates 32-byte random data keys', () => {
    expect(dataKey).toHaveLength(32);
    expect(generateDataKey().equals(dataKey)).toBe(false);
  });

  it('round-trips strings, binary and empty values', () => {
    const sealed = encryptWithDataKey(dataKey, 'client_secret=s3cr3t ✓');
    expect(decryptWithDataKey(dataKey, sealed).toString('utf8')).toBe('client_secret=s3cr3t ✓');
    const binary = Buffer.from([0, 255, 1, 254]);
    expect(decryptWithDataKey(dataKey, encryptWithDataKey(dataKey, binary)).equals(binary)).toBe(true);
    expect(decryptWithDataKey(dataKey, encryptWithDataKey(dataKey, ''))).toHaveLength(0);
  });

  it('emits v1.<iv>.<tag>.<ciphertext> with a 12-byte IV and a fresh IV per call', () => {
    const a = encryptWithDataKey(dataKey, 'same');
    const b = encryptWithDataKey(dataKey, 'same');
    const [version, iv, tag, ct] = a.split('.');
    expect(version).toBe('v1');
    expect(Buffer.from(iv, 'base64url')).toHaveLength(12);
    expect(Buffer.from(tag, 'base64url')).toHaveLength(16);
    expect(Buffer.from(ct, 'base64url')).toHaveLength(4);
    expect(a).not.toBe(b);
    expect(a).not.toContain('same');
  });

  it('requires the same aad to open', () => {
    const sealed = encryptWithDataKey(dataKey, 'secret', 'tenant:1/instance:7');
    expect(decryptWithDataKey(dataKey, sealed, 'tenant:1/instance:7').toString()).toBe('secret');
    expect(() => decryptWithDataKey(dataKey, sealed, 'tenant:2/instance:7')).toThrow(DecryptionError);
    expect(() => decryptWithDataKey(dataKey, sealed)).toThrow(DecryptionError);
    const withoutAad = encryptWithDataKey(dataKey, 'secret');
    expect(() => decryptWithDataKey(dataKey, withoutAad, 'tenant:1/instance:7')).toThrow(DecryptionError);
  });

  it.each([
    ['iv', 1],
    ['tag', 2],
    ['ciphertext', 3],
  ])('detects a flipped bit in the %s', (_part, index) => {
    const sealed = encryptWithDataKey(dataKey, 'do not touch');
    expect(() => decryptWithDataKey(dataKey, tamper(sealed, index))).toThrow(DecryptionError);
  });

  it('fails with the wrong key, without revealing key or plaintext', () => {
    const sealed = encryptWithDataKey(dataKey, 'top-secret-value');
    let caught: unknown;
    try {
      decryptWithDataKey(generateDataKey(), sealed);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(DecryptionError);
    const message = (caught as Error).message;
    expect(message).not.toContain('top-secret-value');
    expect(message).not.toContain(dataKey.toString('base64url'));
    expect(message).not.toContain(dataKey.toString('hex'));
  });

  it.each([
    ['empty string', ''],
    ['wrong version', 'v2.AAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAA.AA'],
    ['too few parts', 'v1.AAAAAAAAAAAAAAAA.AAAA'],
    ['non-base64url characters', 'v1.AAAA+AAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAA.AA'],
    ['short iv', 'v1.AAAA.AAAAAAAAAAAAAAAAAAAAAA.AA'],
  ])('rejects a malformed value (%s)', (_label, sealed) => {
    expect(() => decryptWithDataKey(dataKey, sealed)).toThrow(DecryptionError);
  });

  it('rejects a non-canonical encoding that would decode to the same bytes', () => {
    // A 16-byte tag is 22 base64url characters; the last one carries 2 unused low bits.
    const sealed = encryptWithDataKey(dataKey, 'malleable?');
    const parts = sealed.split('.');
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const last = alphabet.indexOf(parts[2].slice(-1));
    parts[2] = parts[2].slice(0, -1) + alphabet[last ^ 0x01];
    const original = sealed.split('.')[2];
    expect(Buffer.from(parts[2], 'base64url').equals(Buffer.from(original, 'base64url'))).toBe(true);
    expect(() => decryptWithDataKey(dataKey, parts.join('.'))).toThrow(DecryptionError);
  });

  it('rejects a data key that is not 32 bytes', () => {
    expect(() => encryptWithDataKey(Buffer.alloc(16), 'x')).toThrow(RangeError);
    const sealed = encryptWithDataKey(dataKey, 'x');
    expect(() => decryptWithDataKey(Buffer.alloc(16), sealed)).toThrow(DecryptionError);
  });
});
