// Envelope encryption of tenant secrets (DESIGN.md "Security"): one data key per tenant and database, stored wrapped by
// the master keyring, in the database of the rows it seals (docs/dedicated-tenants.md, "Control plane").
import { Injectable } from '@nestjs/common';
import { CORE_DATABASE, TenantContext, TenantDatabases } from '@conduit/database';
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

/**
 * Where the rows a value is sealed for live: `tenant` (the tenant's own tables, in its database: the core one for a
 * shared tenant, its own for a dedicated one) or `control_plane` (SSO, SCIM: always the core database). The data key is
 * read from and created in that database, so a dedicated database's backup holds every key its rows need.
 */
export type SecretPlane = 'tenant' | 'control_plane';

interface CachedKey {
  tenantId: TenantId;
  /** The database the key was read from (CORE_DATABASE or a dedicated tenant's id). */
  database: string;
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
    private readonly databases: TenantDatabases,
  ) {
    this.#keyring = MasterKeyring.parse(config.CONDUIT_MASTER_KEY);
  }

  /** Returns `<dataKeyId>:<sealed>`; opening needs the same tenant and the same aad. */
  seal(tenantId: TenantId, plaintext: string, aad?: string, plane: SecretPlane = 'tenant'): Promise<string> {
    return this.unreadableOnFailure(async () => {
      const database = await this.databaseOf(tenantId, plane);
      const { id, key } = await this.run(plane, tenantId, () => this.activeKey(tenantId, database));
      return `${id}:${encryptWithDataKey(key, plaintext, boundAad(tenantId, aad))}`;
    });
  }

  /** Opens what seal() sealed for the same tenant, aad and plane. */
  open(tenantId: TenantId, sealed: string, aad?: string, plane: SecretPlane = 'tenant'): Promise<string> {
    return this.unreadableOnFailure(async () => {
      const separator = sealed.indexOf(':');
      const keyId = sealed.slice(0, Math.max(separator, 0));
      if (!isUuid(keyId)) throw SecretException.unreadable();
      const key = await this.keyById(tenantId, keyId, plane);
      return decryptWithDataKey(key, sealed.slice(separator + 1), boundAad(tenantId, aad)).toString('utf8');
    });
  }

  /** Retires the active data key and returns the new one's id; earlier values still open, as keys are found by id. */
  rotateDataKey(tenantId: TenantId, plane: SecretPlane = 'tenant'): Promise<string> {
    return this.run(plane, tenantId, async () => {
      const database = await this.databaseOf(tenantId, plane);
      await this.keys.retireActive(tenantId, this.clock.now());
      return (await this.activeKey(tenantId, database)).id;
    });
  }

  /** The key of the database a plane's keys of tenantId are in. */
  private databaseOf(tenantId: TenantId, plane: SecretPlane): string | Promise<string> {
    return plane === 'control_plane' ? CORE_DATABASE : this.databases.databaseOf(tenantId);
  }

  private run<T>(plane: SecretPlane, tenantId: TenantId, fn: () => Promise<T>): Promise<T> {
    return plane === 'control_plane'
      ? this.db.runInTenantControlPlane(tenantId, fn)
      : this.db.runInTenant(tenantId, fn);
  }

  /** Must run inside run(plane, tenantId), in `database`. */
  private async activeKey(tenantId: TenantId, database: string): Promise<{ id: string; key: Buffer }> {
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
    return { id: row.id, key: this.unwrap(row, database) };
  }

  private async keyById(tenantId: TenantId, keyId: string, plane: SecretPlane): Promise<Buffer> {
    const database = await this.databaseOf(tenantId, plane);
    const cached = this.cached(tenantId, keyId, database);
    if (cached) return cached;
    const row = await this.run(plane, tenantId, () => this.keys.byId(tenantId, keyId));
    if (!row) throw SecretException.unreadable();
    return this.unwrap(row, database);
  }

  private unwrap(row: TenantDataKeyEntity, database: string): Buffer {
    const cached = this.cached(row.tenant_id, row.id, database);
    if (cached) return cached;
    const key = this.#keyring.unwrapDataKey(row.wrapped_key);
    if (this.#cache.size >= KEY_CACHE_MAX_ENTRIES) this.#cache.delete(this.#cache.keys().next().value as string);
    this.#cache.set(row.id, {
      tenantId: row.tenant_id,
      database,
      key,
      expiresAt: this.clock.now().getTime() + KEY_CACHE_TTL_MS,
    });
    return key;
  }

  // The cache is keyed by key id, so the tenant and the database are checked too: a hit must not skip what RLS would
  // refuse, nor open a value with a key of another database than the one a read would find it in (a key of the core
  // database never opens a dedicated database's row, whether cached or not).
  private cached(tenantId: TenantId, keyId: string, database: string): Buffer | undefined {
    const entry = this.#cache.get(keyId);
    if (!entry || entry.tenantId !== tenantId || entry.database !== database) return undefined;
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
