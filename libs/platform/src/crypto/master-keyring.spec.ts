import { inspect } from 'node:util';
import { DecryptionError, generateDataKey } from './envelope-encryption';
import { hkdfSha256 } from './hmac';
import { InvalidMasterKeyError, MasterKeyring } from './master-keyring';

const K1 = Buffer.alloc(32, 0x11).toString('base64');
const K2 = Buffer.alloc(32, 0x22).toString('base64');

function parseError(value: string): InvalidMasterKeyError {
  try {
    MasterKeyring.parse(value);
  } catch (error) {
    if (error instanceof InvalidMasterKeyError) return error;
    throw error;
  }
  throw new Error('expected MasterKeyring.parse to throw');
}

describe('MasterKeyring.parse', () => {
  it('accepts a single base64 key as key id k1', () => {
    const keyring = MasterKeyring.parse(K1);
    expect(keyring.activeKeyId).toBe('k1');
    expect(keyring.has('k1')).toBe(true);
  });

  it('accepts base64url and unpadded keys, and surrounding whitespace', () => {
    const raw = Buffer.from('fb'.repeat(32), 'hex'); // encodes with '+' and '/' in standard base64
    expect(raw.toString('base64')).toMatch(/[+/]/);
    const a = MasterKeyring.parse(raw.toString('base64url')).deriveKey('x');
    const b = MasterKeyring.parse(` ${raw.toString('base64')}\n`).deriveKey('x');
    expect(a.equals(b)).toBe(true);
  });

  it('makes the first entry of a list active and keeps the others', () => {
    const keyring = MasterKeyring.parse(`b:${K2}, a:${K1}`);
    expect(keyring.activeKeyId).toBe('b');
    expect(keyring.keyIds).toEqual(['b', 'a']);
    expect(keyring.has('a')).toBe(true);
    expect(keyring.has('c')).toBe(false);
  });

  it.each([
    ['empty', ''],
    ['whitespace', '   '],
    ['16-byte key', Buffer.alloc(16, 1).toString('base64')],
    ['33-byte key', Buffer.alloc(33, 1).toString('base64')],
    ['not base64', '!'.repeat(44)],
    ['mixed alphabets', `${Buffer.alloc(32, 0xfb).toString('base64').slice(0, 20)}-_${'A'.repeat(21)}`],
    ['bad padding', `${K1}=`],
    ['duplicate ids', `a:${K1},a:${K2}`],
    ['entry without id', `a:${K1},${K2}`],
    ['empty id', `:${K1}`],
    ['id with a dot', `a.b:${K1}`],
    ['id too long', `${'a'.repeat(33)}:${K1}`],
    ['empty entry', `a:${K1},`],
    ['short key in list', `a:${K1},b:${Buffer.alloc(31).toString('base64')}`],
  ])('rejects %s with InvalidMasterKeyError', (_label, value) => {
    const error = parseError(value);
    expect(error.message).toContain('CONDUIT_MASTER_KEY');
    expect(error.message).toContain('kid:base64key');
  });

  it('never echoes key material in the error', () => {
    const secret = Buffer.alloc(31, 0x5a).toString('base64');
    for (const value of [secret, `a:${K1},b:${secret}`, `a:${K2},a:${K1}`]) {
      const message = parseError(value).message;
      expect(message).not.toContain(secret);
      expect(message).not.toContain(K1);
      expect(message).not.toContain(K2);
    }
  });

  it('keeps key bytes out of serialisation and inspection', () => {
    const keyring = MasterKeyring.parse(`a:${K1}`);
    const hexKey = Buffer.from(K1, 'base64').toString('hex');
    expect(JSON.stringify(keyring)).not.toContain(K1);
    expect(inspect(keyring, { depth: 5 })).not.toMatch(/11 11 11|1111111111/);
    expect(inspect(keyring)).not.toContain(hexKey);
  });
});

describe('MasterKeyring wrap / unwrap', () => {
  const dataKey = generateDataKey();

  it('round-trips a data key in the v1.<kid>.<iv>.<tag>.<ct> format', () => {
    const keyring = MasterKeyring.parse(`a:${K1}`);
    const wrapped = keyring.wrapDataKey(dataKey);
    const [version, kid, iv, tag, ct] = wrapped.split('.');
    expect([version, kid]).toEqual(['v1', 'a']);
    expect(Buffer.from(iv, 'base64url')).toHaveLength(12);
    expect(Buffer.from(tag, 'base64url')).toHaveLength(16);
    expect(Buffer.from(ct, 'base64url')).toHaveLength(32);
    expect(keyring.unwrapDataKey(wrapped).equals(dataKey)).toBe(true);
    expect(keyring.wrapDataKey(dataKey)).not.toBe(wrapped);
  });

  it('unwraps keys wrapped before a rotation, and wraps new keys with the new active key', () => {
    const before = MasterKeyring.parse(`a:${K1}`).wrapDataKey(dataKey);
    const rotated = MasterKeyring.parse(`b:${K2},a:${K1}`);
    expect(rotated.unwrapDataKey(before).equals(dataKey)).toBe(true);
    const after = rotated.wrapDataKey(dataKey);
    expect(after.split('.')[1]).toBe('b');
    expect(() => MasterKeyring.parse(`a:${K1}`).unwrapDataKey(after)).toThrow(DecryptionError);
  });

  it('fails for an unknown key id', () => {
    const wrapped = MasterKeyring.parse(`a:${K1}`).wrapDataKey(dataKey);
    expect(() => MasterKeyring.parse(`b:${K2}`).unwrapDataKey(wrapped)).toThrow(/"a" is not configured/);
  });

  it('binds the key id: relabelling a wrap under another configured id fails', () => {
    const keyring = MasterKeyring.parse(`a:${K1},b:${K1}`);
    const relabelled = keyring.wrapDataKey(dataKey).replace('.a.', '.b.');
    expect(() => keyring.unwrapDataKey(relabelled)).toThrow(DecryptionError);
  });

  it('fails when the same id holds a different key', () => {
    const wrapped = MasterKeyring.parse(`a:${K1}`).wrapDataKey(dataKey);
    expect(() => MasterKeyring.parse(`a:${K2}`).unwrapDataKey(wrapped)).toThrow(DecryptionError);
  });

  it.each([2, 3, 4])('detects a flipped bit in part %i', (index) => {
    const keyring = MasterKeyring.parse(K1);
    const parts = keyring.wrapDataKey(dataKey).split('.');
    const bytes = Buffer.from(parts[index], 'base64url');
    bytes[0] ^= 0x80;
    parts[index] = bytes.toString('base64url');
    expect(() => keyring.unwrapDataKey(parts.join('.'))).toThrow(DecryptionError);
  });

  it('rejects malformed wrapped values and wrong-sized data keys', () => {
    const keyring = MasterKeyring.parse(K1);
    expect(() => keyring.unwrapDataKey('')).toThrow(DecryptionError);
    expect(() => keyring.unwrapDataKey('v1.k1.AAAA')).toThrow(DecryptionError);
    expect(() => keyring.unwrapDataKey('v1.k1.!!!!.AAAA.AAAA')).toThrow(DecryptionError);
    expect(() => keyring.wrapDataKey(Buffer.alloc(16))).toThrow(RangeError);
  });
});

describe('MasterKeyring.deriveKey', () => {
  it('is HKDF-SHA256 of the active key with an empty salt and the purpose as info', () => {
    const keyring = MasterKeyring.parse(`b:${K2},a:${K1}`);
    const expected = hkdfSha256(Buffer.from(K2, 'base64'), Buffer.alloc(0), Buffer.from('jwt-signing'), 32);
    expect(keyring.deriveKey('jwt-signing').equals(expected)).toBe(true);
  });

  it('is deterministic per purpose, separated between purposes, and honours length', () => {
    const keyring = MasterKeyring.parse(K1);
    expect(keyring.deriveKey('jwt').equals(MasterKeyring.parse(K1).deriveKey('jwt'))).toBe(true);
    expect(keyring.deriveKey('jwt').equals(keyring.deriveKey('cursor'))).toBe(false);
    expect(keyring.deriveKey('jwt', 64)).toHaveLength(64);
    expect(keyring.deriveKey('jwt').equals(MasterKeyring.parse(K2).deriveKey('jwt'))).toBe(false);
    expect(() => keyring.deriveKey('')).toThrow(RangeError);
  });
});

describe('MasterKeyring.generate', () => {
  it('returns a fresh 32-byte base64 key that parse accepts', () => {
    const value = MasterKeyring.generate();
    expect(Buffer.from(value, 'base64')).toHaveLength(32);
    expect(value).not.toBe(MasterKeyring.generate());
    expect(MasterKeyring.parse(value).activeKeyId).toBe('k1');
  });
});
