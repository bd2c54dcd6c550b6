// Envelope encryption of tenant secrets (DESIGN.md "Security"): one data key per tenant, stored wrapped by the master
// keyring.
import { Injectable } from '@nestjs/common';
import { TenantContext } from '@conduit/database';
import {
  Clock,
  ConduitConfig,
  DecryptionError,
  IdGenerator,
  InjectConfig,
  InvariantError,
  MasterKeyring,
  TenantId,
  decryptWithDataKey,
  encryptWithDataKey,
  generateDataKey,
  isUuid,
} from '@conduit/platform';
import { TenantDataKeyEntity } from './entities/tenant-data-key.entity';
import { DataKeysRepository } from './repositories/data-keys.repository';
import { SecretException } from './secret.exception';

const KEY_CACHE_TTL_MS = 5 * 60_000;
const KEY_CACHE_MAX_ENTRIES = 1_000;

interface CachedKey {
  tenantId: TenantId;
  key: Buffer;
  expiresAt: number;
}

// The tenant is always part of the AAD, so a value copied into another tenant's row does not open there.
function boundAad(tenantId: TenantId, aad: string | undefined): string {
  return JSON.stringify(['conduit.secret.v1', tenantId, aad ?? null]);
}

@Injectable()
export class SecretBox {
  // Private fields keep key material out of util.inspect, JSON.stringify and therefore out of logs.
  readonly #keyring: MasterKeyring;
  readonly #cache = new Map<string, CachedKey>();

  constructor(
    private readonly db: TenantContext,
    private readonly keys: DataKeysRepository,
    @InjectConfig() config: ConduitConfig,
    private readonly ids: IdGenerator,
    private readonly clock: Clock,
  ) {
    this.#keyring = MasterKeyring.parse(config.CONDUIT_MASTER_KEY);
  }

  /** Returns `<dataKeyId>:<sealed>`; opening needs the same tenant and the same aad. */
  seal(tenantId: TenantId, plaintext: string, aad?: string): Promise<string> {
    return this.unreadableOnFailure(async () => {
      const { id, key } = await this.db.runInTenant(tenantId, () => this.activeKey(tenantId));
      return `${id}:${encryptWithDataKey(key, plaintext, boundAad(tenantId, aad))}`;
    });
  }

  open(tenantId: TenantId, sealed: string, aad?: string): Promise<string> {
    return this.unreadableOnFailure(async () => {
      const separator = sealed.indexOf(':');
      const keyId = sealed.slice(0, Math.max(separator, 0));
      if (!isUuid(keyId)) throw SecretException.unreadable();
      const key = await this.keyById(tenantId, keyId);
      return decryptWithDataKey(key, sealed.slice(separator + 1), boundAad(tenantId, aad)).toString('utf8');
    });
  }

  /** Retires the active data key and returns the new one's id; earlier values still open, as keys are found by id. */
  rotateDataKey(tenantId: TenantId): Promise<string> {
    return this.db.runInTenant(tenantId, async () => {
      await this.keys.retireActive(tenantId, this.clock.now());
      return (await this.activeKey(tenantId)).id;
    });
  }

  /** Must run inside runInTenant. */
  private async activeKey(tenantId: TenantId): Promise<{ id: string; key: Buffer }> {
    let row = await this.keys.active(tenantId);
    if (!row) {
      // Two first seals may race: one INSERT wins, and both then read the winner's key.
      await this.keys.insertActiveUnlessPresent({
        id: this.ids.next(),
        tenant_id: tenantId,
        wrapped_key: this.#keyring.wrapDataKey(generateDataKey()),
        master_key_id: this.#keyring.activeKeyId,
        created_at: this.clock.now(),
        retired_at: null,
      });
      row = await this.keys.active(tenantId);
    }
    if (!row)
      throw new InvariantError('data_key_missing', `tenant ${tenantId} has no active data key after creating one`);
    return { id: row.id, key: this.unwrap(row) };
  }

  private async keyById(tenantId: TenantId, keyId: string): Promise<Buffer> {
    const cached = this.cached(tenantId, keyId);
    if (cached) return cached;
    const row = await this.db.runInTenant(tenantId, () => this.keys.byId(tenantId, keyId));
    if (!row) throw SecretException.unreadable();
    return this.unwrap(row);
  }

  private unwrap(row: TenantDataKeyEntity): Buffer {
    const cached = this.cached(row.tenant_id, row.id);
    if (cached) return cached;
    const key = this.#keyring.unwrapDataKey(row.wrapped_key);
    if (this.#cache.size >= KEY_CACHE_MAX_ENTRIES) this.#cache.delete(this.#cache.keys().next().value as string);
    this.#cache.set(row.id, { tenantId: row.tenant_id, key, expiresAt: this.clock.now().getTime() + KEY_CACHE_TTL_MS });
    return key;
  }

  // The cache is keyed by key id, so the tenant is checked too: a hit must not skip what RLS would refuse.
  private cached(tenantId: TenantId, keyId: string): Buffer | undefined {
    const entry = this.#cache.get(keyId);
    if (!entry || entry.tenantId !== tenantId) return undefined;
    if (entry.expiresAt > this.clock.now().getTime()) return entry.key;
    this.#cache.delete(keyId);
    return undefined;
  }

  private async unreadableOnFailure<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      if (error instanceof DecryptionError) throw SecretException.unreadable();
      throw error;
    }
  }
}
