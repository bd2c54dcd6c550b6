import { openDatabaseUrl, sealDatabaseUrl } from '@conduit/database';
import { MasterKeyring, asTenantId, generateDataKey } from '@conduit/platform';
import {
  rewrapDataKey,
  rewrapSealedDatabaseUrl,
  sealedDatabaseUrlMasterKeyId,
  summarizeMasterKeyUsage,
} from './master-key-rotation';

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

describe('rewrapSealedDatabaseUrl', () => {
  const tenant = asTenantId('6f1c2b1e-8d0e-4f6a-9a53-0d7b9f0c1a11');
  const url = 'postgres://owner:s3cret-pw@db.internal:5432/tenant_a';

  it('re-wraps only the data key: the ciphertext is unchanged and the URL opens with the new key alone', () => {
    const sealed = sealDatabaseUrl(MasterKeyring.parse(`k1:${K1}`), tenant, url);
    expect(sealedDatabaseUrlMasterKeyId(sealed)).toBe('k1');
    const outcome = rewrapSealedDatabaseUrl(MasterKeyring.parse(`k2:${K2},k1:${K1}`), sealed);
    if (!outcome.ok) throw new Error(`expected a rewrap, got ${outcome.reason}`);
    expect(sealedDatabaseUrlMasterKeyId(outcome.wrappedKey)).toBe('k2');
    expect(outcome.wrappedKey.split(':')[1]).toBe(sealed.split(':')[1]);
    expect(openDatabaseUrl(MasterKeyring.parse(`k2:${K2}`), tenant, outcome.wrappedKey)).toBe(url);
    expect(outcome.wrappedKey).not.toContain('s3cret-pw');
  });

  it('reports a URL under an unknown master key, or not a sealed URL at all, as codes', () => {
    const both = MasterKeyring.parse(`k2:${K2},k1:${K1}`);
    const elsewhere = sealDatabaseUrl(MasterKeyring.parse(`k0:${MasterKeyring.generate()}`), tenant, url);
    expect(sealedDatabaseUrlMasterKeyId(elsewhere)).toBe('k0');
    expect(rewrapSealedDatabaseUrl(both, elsewhere)).toEqual({ ok: false, reason: 'master_key_not_configured' });
    expect(rewrapSealedDatabaseUrl(both, 'not-sealed')).toEqual({ ok: false, reason: 'unwrap_failed' });
    expect(rewrapSealedDatabaseUrl(both, 'v1.k1.x.y.z:box')).toEqual({ ok: false, reason: 'unwrap_failed' });
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
      database_urls_by_master_key: { k3: 0, k2: 0, k1: 0, k0: 0, ['__proto__']: 0 },
      awaiting_rewrap: 2,
      unknown_master_key_ids: ['__proto__', 'k0'],
      removable_master_key_ids: ['k1'],
    });
    expect(Object.getPrototypeOf(status.data_keys_by_master_key)).toBe(Object.prototype);
  });

  it('counts sealed database URLs per key too: one under a retired key awaits the re-wrap and keeps that key', () => {
    const keyring = MasterKeyring.parse(`k2:${K2},k1:${K1}`);
    const status = summarizeMasterKeyUsage(
      keyring,
      2,
      new Map([['k2', 3]]),
      new Map([
        ['k1', 1],
        ['k9', 1],
      ]),
    );
    expect(status).toMatchObject({
      data_keys_by_master_key: { k2: 3, k1: 0, k9: 0 },
      database_urls_by_master_key: { k2: 0, k1: 1, k9: 1 },
      awaiting_rewrap: 1,
      unknown_master_key_ids: ['k9'],
      removable_master_key_ids: [],
    });
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
