import { DecryptionError, MasterKeyring, asTenantId } from '@conduit/platform';
import { openDatabaseUrl, sealDatabaseUrl } from './tenant-databases';

describe('sealDatabaseUrl / openDatabaseUrl', () => {
  const keyring = MasterKeyring.parse(MasterKeyring.generate());
  const acme = asTenantId('0190a1b2-0000-7000-8000-000000000001');
  const globex = asTenantId('0190a1b2-0000-7000-8000-000000000002');
  const url = 'postgres://owner:Very-Secret-1@db.internal:5432/acme';

  it('round-trips, and the sealed text carries neither the password nor the host', () => {
    const sealed = sealDatabaseUrl(keyring, acme, url);
    expect(sealed).not.toContain('Very-Secret-1');
    expect(sealed).not.toContain('db.internal');
    expect(openDatabaseUrl(keyring, acme, sealed)).toBe(url);
    expect(sealDatabaseUrl(keyring, acme, url)).not.toBe(sealed);
  });

  it("does not open as another tenant's, nor with another master key", () => {
    const sealed = sealDatabaseUrl(keyring, acme, url);
    expect(() => openDatabaseUrl(keyring, globex, sealed)).toThrow(DecryptionError);
    expect(() => openDatabaseUrl(MasterKeyring.parse(MasterKeyring.generate()), acme, sealed)).toThrow(DecryptionError);
  });
});
