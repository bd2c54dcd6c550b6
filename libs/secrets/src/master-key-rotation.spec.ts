import { MasterKeyring, generateDataKey } from '@conduit/platform';
import { rewrapDataKey, summarizeMasterKeyUsage } from './master-key-rotation';

const K1 = MasterKeyring.generate();
const K2 = MasterKeyring.generate();

describe('rewrapDataKey', () => {
  it('wraps the same data key under the active master key, and the old-only keyring no longer opens it', () => {
    const old = MasterKeyring.parse(`k1:${K1}`);
    const both = MasterKeyring.parse(`k2:${K2},k1:${K1}`);
    const dataKey = generateDataKey();
    const outcome = rewrapDataKey(both, 'k1', old.wrapDataKey(dataKey));
    if (!outcome.ok) throw new Error(`expected a rewrap, got ${outcome.reason}`);
    expect(outcome.wrappedKey.split('.')[1]).toBe('k2');
    expect(MasterKeyring.parse(`k2:${K2}`).unwrapDataKey(outcome.wrappedKey).equals(dataKey)).toBe(true);
    expect(() => old.unwrapDataKey(outcome.wrappedKey)).toThrow(/not configured/);
    for (const encoding of ['hex', 'base64', 'base64url'] as const)
      expect(outcome.wrappedKey).not.toContain(dataKey.toString(encoding));
  });

  it('reports a master key id missing from the keyring, and a wrapping that does not open, as codes', () => {
    const both = MasterKeyring.parse(`k2:${K2},k1:${K1}`);
    const elsewhere = MasterKeyring.parse(`k0:${MasterKeyring.generate()}`).wrapDataKey(generateDataKey());
    expect(rewrapDataKey(both, 'k0', elsewhere)).toEqual({ ok: false, reason: 'master_key_not_configured' });
    // The column says k1 but the wrapping is not k1's: unwrapping refuses it.
    expect(rewrapDataKey(both, 'k1', elsewhere)).toEqual({ ok: false, reason: 'unwrap_failed' });
    expect(rewrapDataKey(both, 'k1', 'v1.k1.garbage')).toEqual({ ok: false, reason: 'unwrap_failed' });
  });

  it('reports any other failure of one row as a code too, so the run goes on (a key that is not 32 bytes, an odd error)', () => {
    const both = MasterKeyring.parse(`k2:${K2},k1:${K1}`);
    const wrapped = MasterKeyring.parse(`k1:${K1}`).wrapDataKey(generateDataKey());
    const short = vi.spyOn(both, 'unwrapDataKey').mockReturnValueOnce(Buffer.alloc(16));
    expect(rewrapDataKey(both, 'k1', wrapped)).toEqual({ ok: false, reason: 'data_key_invalid' });
    short.mockImplementationOnce(() => {
      throw new TypeError('something unexpected about the secret value');
    });
    const outcome = rewrapDataKey(both, 'k1', wrapped);
    expect(outcome).toEqual({ ok: false, reason: 'unwrap_failed' });
    expect(JSON.stringify(outcome)).not.toContain('secret value');
  });
});

describe('summarizeMasterKeyUsage', () => {
  it('counts every configured key (0 when unused), flags unknown ids and names the keys safe to remove', () => {
    const keyring = MasterKeyring.parse(`k3:${MasterKeyring.generate()},k2:${K2},k1:${K1}`);
    const status = summarizeMasterKeyUsage(
      keyring,
      4,
      new Map([
        ['k3', 5],
        ['k2', 2],
        ['k0', 1],
        ['__proto__', 1],
      ]),
    );
    expect(status).toEqual({
      active_master_key_id: 'k3',
      configured_master_key_ids: ['k3', 'k2', 'k1'],
      tenants: 4,
      data_keys_by_master_key: { k3: 5, k2: 2, k1: 0, k0: 1, ['__proto__']: 1 },
      awaiting_rewrap: 2,
      unknown_master_key_ids: ['__proto__', 'k0'],
      removable_master_key_ids: ['k1'],
    });
    expect(Object.getPrototypeOf(status.data_keys_by_master_key)).toBe(Object.prototype);
  });

  it('never offers the active key for removal, even when it wraps nothing yet', () => {
    const status = summarizeMasterKeyUsage(MasterKeyring.parse(`k2:${K2},k1:${K1}`), 0, new Map());
    expect(status).toMatchObject({
      data_keys_by_master_key: { k2: 0, k1: 0 },
      awaiting_rewrap: 0,
      removable_master_key_ids: ['k1'],
    });
  });
});
