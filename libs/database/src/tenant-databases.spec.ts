import { DecryptionError, MasterKeyring, asTenantId } from '@conduit/platform';
import { TenantDatabaseUnavailableError } from './sql-errors';
import { openDatabaseUrl, sealDatabaseUrl, unopenableDatabaseUrl } from './tenant-databases';

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

describe('unopenableDatabaseUrl', () => {
  const acme = asTenantId('0190a1b2-0000-7000-8000-000000000003');
  const url = 'postgres://owner:Very-Secret-2@db.internal:5432/acme';

  it("is the tenant's database unavailable (503), told to the operator once with the master key id and no secret", () => {
    const removed = MasterKeyring.parse(MasterKeyring.generate());
    const sealed = sealDatabaseUrl(removed, acme, url);
    const logged: unknown[][] = [];
    const logger = { error: (...args: unknown[]) => void logged.push(args) };
    let cause: unknown;
    try {
      openDatabaseUrl(MasterKeyring.parse(MasterKeyring.generate()), acme, sealed);
    } catch (err) {
      cause = err;
    }
    const err = unopenableDatabaseUrl(logger, acme, sealed, cause);
    expect(err).toBeInstanceOf(TenantDatabaseUnavailableError);
    expect(err.tenantId).toBe(acme);
    unopenableDatabaseUrl(logger, acme, sealed, cause);
    expect(logged).toHaveLength(1);
    const text = JSON.stringify(logged);
    expect(text).toContain(acme);
    expect(text).toContain(removed.activeKeyId);
    expect(text).toContain('keys:rewrap');
    for (const secret of ['Very-Secret-2', 'db.internal', sealed]) expect(text).not.toContain(secret);
  });
});
