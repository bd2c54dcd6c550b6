import {
  constantTimeEqual,
  hexDigestMatches,
  hmacSha256Parts,
  hkdfSha256,
  hmacSha256,
  hmacSha256Base64,
  hmacSha256Hex,
  randomToken,
  sha256Hex,
} from './hmac';

const hex = (value: string): Buffer => Buffer.from(value, 'hex');

describe('hmacSha256 (RFC 4231 known answers)', () => {
  it('test case 1: 20 bytes of 0x0b, "Hi There"', () => {
    expect(hmacSha256Hex(Buffer.alloc(20, 0x0b), 'Hi There')).toBe(
      'b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7',
    );
  });

  it('test case 2: string key "Jefe"', () => {
    expect(hmacSha256Hex('Jefe', 'what do ya want for nothing?')).toBe(
      '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
    );
  });

  it('test case 4: 25-byte key 0x01..0x19, 50 bytes of 0xcd', () => {
    const key = hex('0102030405060708090a0b0c0d0e0f10111213141516171819');
    expect(hmacSha256Hex(key, Buffer.alloc(50, 0xcd))).toBe(
      '82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b',
    );
  });

  it('test case 6: key longer than the block size', () => {
    const data = 'Test Using Larger Than Block-Size Key - Hash Key First';
    expect(hmacSha256Hex(Buffer.alloc(131, 0xaa), data)).toBe(
      '60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54',
    );
  });

  it('returns the same MAC as raw bytes, hex and base64', () => {
    const raw = hmacSha256('Jefe', 'what do ya want for nothing?');
    expect(raw).toHaveLength(32);
    expect(hmacSha256Base64('Jefe', 'what do ya want for nothing?')).toBe(raw.toString('base64'));
  });
});

describe('sha256Hex', () => {
  it('matches the FIPS 180-2 "abc" vector', () => {
    expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});

describe('constantTimeEqual', () => {
  it('is true for equal strings and buffers, including across types', () => {
    expect(constantTimeEqual('sha256=abc', 'sha256=abc')).toBe(true);
    expect(constantTimeEqual(Buffer.from('abc'), 'abc')).toBe(true);
    expect(constantTimeEqual('', '')).toBe(true);
  });

  it('is false for a one-character difference', () => {
    expect(constantTimeEqual('sha256=abc', 'sha256=abd')).toBe(false);
  });

  it('is false, without throwing, when lengths differ', () => {
    expect(constantTimeEqual('abc', 'abcd')).toBe(false);
    expect(constantTimeEqual(Buffer.alloc(0), Buffer.alloc(64))).toBe(false);
  });
});

describe('randomToken', () => {
  it('returns unpadded base64url of the requested size', () => {
    const token = randomToken();
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(randomToken(16), 'base64url')).toHaveLength(16);
    expect(randomToken()).not.toBe(token);
  });

  it('rejects a non-positive size', () => {
    expect(() => randomToken(0)).toThrow(RangeError);
  });
});

describe('hkdfSha256 (RFC 5869 known answers)', () => {
  const ikm = Buffer.alloc(22, 0x0b);

  it('test case 1', () => {
    const okm = hkdfSha256(ikm, hex('000102030405060708090a0b0c'), hex('f0f1f2f3f4f5f6f7f8f9'), 42);
    expect(okm.toString('hex')).toBe(
      '3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865',
    );
  });

  it('test case 3: empty salt and info (the form MasterKeyring.deriveKey uses)', () => {
    expect(hkdfSha256(ikm, Buffer.alloc(0), Buffer.alloc(0), 42).toString('hex')).toBe(
      '8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8',
    );
  });

  it('rejects lengths HKDF-SHA256 cannot produce', () => {
    expect(() => hkdfSha256(ikm, '', '', 0)).toThrow(RangeError);
    expect(() => hkdfSha256(ikm, '', '', 255 * 32 + 1)).toThrow(RangeError);
  });
});

describe('hexDigestMatches', () => {
  const digest = hmacSha256('key', 'body');
  const hex = digest.toString('hex');

  it('accepts the digest in either case', () => {
    expect(hexDigestMatches(digest, hex)).toBe(true);
    expect(hexDigestMatches(digest, hex.toUpperCase())).toBe(true);
  });

  it('refuses another digest, a truncated or padded one, and non-hex text of the right length', () => {
    expect(hexDigestMatches(digest, hmacSha256('key', 'other').toString('hex'))).toBe(false);
    expect(hexDigestMatches(digest, hex.slice(0, -2))).toBe(false);
    expect(hexDigestMatches(digest, `${hex}00`)).toBe(false);
    expect(hexDigestMatches(digest, `${hex.slice(0, -1)}g`)).toBe(false);
    expect(hexDigestMatches(digest, '')).toBe(false);
  });
});

describe('hmacSha256Parts', () => {
  it('equals the HMAC of the concatenated parts', () => {
    expect(hmacSha256Parts('key', ['id.123.', Buffer.from('{"a":1}')])).toEqual(hmacSha256('key', 'id.123.{"a":1}'));
  });
});
