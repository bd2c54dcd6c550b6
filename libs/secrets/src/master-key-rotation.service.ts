// Lets an operator retire a master key: re-wraps every tenant data key (a dedicated tenant's in its own database and in
// the core one), and the data key of every dedicated tenant's sealed database URL, under the active one
// (docs/operations.md "Keys and rotation", docs/dedicated-tenants.md "Control plane").
import { Injectable } from '@nestjs/common';
import { AuditLog } from '@conduit/audit';
import { CORE_DATABASE, SystemContext, TenantContext, TenantDatabases } from '@conduit/database';
import { ConduitConfig, InjectConfig, MasterKeyring, TenantId } from '@conduit/platform';
import {
  MasterKeyStatus,
  RewrapSummary,
  rewrapDataKey,
  rewrapSealedDatabaseUrl,
  sealedDatabaseUrlMasterKeyId,
  summarizeMasterKeyUsage,
} from './master-key-rotation';
import { DataKeysRepository } from './repositories/data-keys.repository';
import { DatabaseUrlsRepository } from './repositories/database-urls.repository';

const FIRST_ID = '00000000-0000-0000-0000-000000000000';
const DEFAULT_BATCH = 200;

interface PendingRewrap {
  id: string;
  fromMasterKeyId: string;
  oldWrappedKey: string;
  newWrappedKey: string;
}

@Injectable()
export class MasterKeyRotation {
  // A private field keeps key material out of util.inspect, JSON.stringify and therefore out of logs.
  readonly #keyring: MasterKeyring;

  constructor(
    private readonly db: TenantContext,
    private readonly system: SystemContext,
    private readonly keys: DataKeysRepository,
    private readonly urls: DatabaseUrlsRepository,
    @InjectConfig() config: ConduitConfig,
    private readonly audit: AuditLog,
    private readonly databases: TenantDatabases,
  ) {
    this.#keyring = MasterKeyring.parse(config.CONDUIT_MASTER_KEY);
  }

  /** How many data keys and sealed database URLs each master key id wraps, across all tenants. */
  async status(): Promise<MasterKeyStatus> {
    const tenants = await this.tenantIds('data_keys.status');
    const counts = new Map<string, number>();
    for (const tenantId of tenants) {
      for (const run of await this.keyDatabases(tenantId)) {
        const rows = await run(() => this.keys.countByMasterKey(tenantId));
        for (const { master_key_id, n } of rows) counts.set(master_key_id, (counts.get(master_key_id) ?? 0) + n);
      }
    }
    const urlCounts = new Map<string, number>();
    for (const { sealed } of await this.sealedUrls('database_urls.status')) {
      const kid = sealedDatabaseUrlMasterKeyId(sealed);
      urlCounts.set(kid, (urlCounts.get(kid) ?? 0) + 1);
    }
    return summarizeMasterKeyUsage(this.#keyring, tenants.length, counts, urlCounts);
  }

  /**
   * Re-wraps every data key not wrapped by the active master key, tenant by tenant, in batches of one transaction each.
   * Only the wrapping changes: the data keys, so every sealed value and every SecretBox cache entry, stay valid.
   * Keys that cannot be unwrapped are reported in `failures` and left as they are; running it again is harmless.
   */
  async rewrap({ batch = DEFAULT_BATCH }: { batch?: number } = {}): Promise<RewrapSummary> {
    const tenants = await this.tenantIds('data_keys.rewrap');
    const summary: RewrapSummary = {
      active_master_key_id: this.#keyring.activeKeyId,
      tenants: tenants.length,
      rewrapped: 0,
      already_current: 0,
      database_urls: { rewrapped: 0, already_current: 0 },
      failures: [],
    };
    // The URLs first, in the core database; then the data keys, tenant by tenant (a dedicated tenant's in its own).
    await this.rewrapDatabaseUrls(summary);
    for (const tenantId of tenants) {
      for (const run of await this.keyDatabases(tenantId)) {
        let after: string | null = FIRST_ID;
        while (after !== null) {
          const from: string = after;
          after = await run(() => this.rewrapBatch(tenantId, from, batch, summary));
        }
      }
    }
    return summary;
  }

  /**
   * Where tenantId's data keys are, each as a way to run in that database scoped to the tenant: the core database
   * (every tenant's control-plane secrets, and a shared tenant's all), and a dedicated tenant's own database (its
   * tables' secrets; also those sealed before it became dedicated stay in the core database and are found there).
   */
  private async keyDatabases(tenantId: TenantId): Promise<(<T>(fn: () => Promise<T>) => Promise<T>)[]> {
    const core = <T>(fn: () => Promise<T>) => this.db.runInTenantControlPlane(tenantId, fn);
    if ((await this.databases.databaseOf(tenantId)) === CORE_DATABASE) return [core];
    return [core, <T>(fn: () => Promise<T>) => this.db.runInTenant(tenantId, fn)];
  }

  /**
   * Re-wraps the data key of each sealed dedicated database URL, one core-database transaction per tenant. The URL is
   * never decrypted: only its wrapped data key changes. Processes holding a pool to that database keep it until they
   * re-read the registry (TenantDatabases), then reopen it with the new value: the same URL.
   */
  private async rewrapDatabaseUrls(summary: RewrapSummary): Promise<void> {
    const active = this.#keyring.activeKeyId;
    for (const { tenant_id: tenantId, sealed } of await this.sealedUrls('database_urls.rewrap')) {
      const masterKeyId = sealedDatabaseUrlMasterKeyId(sealed);
      if (masterKeyId === active) {
        summary.database_urls.already_current++;
        continue;
      }
      const outcome = rewrapSealedDatabaseUrl(this.#keyring, sealed);
      if (!outcome.ok) {
        summary.failures.push({
          tenant_id: tenantId,
          database_url: true,
          master_key_id: masterKeyId,
          reason: outcome.reason,
        });
        continue;
      }
      const swapped = await this.db.runInTenantControlPlane(tenantId, () =>
        this.urls.swap(tenantId, sealed, outcome.wrappedKey),
      );
      if (swapped) summary.database_urls.rewrapped++;
      else summary.database_urls.already_current++;
    }
  }

  private sealedUrls(reason: 'database_urls.status' | 'database_urls.rewrap') {
    return this.system.run(reason, () => this.urls.all());
  }

  /** Must run inside one of keyDatabases' runs. Returns the id to continue after, or null when the tenant is done. */
  private async rewrapBatch(
    tenantId: TenantId,
    afterId: string,
    limit: number,
    summary: RewrapSummary,
  ): Promise<string | null> {
    const active = this.#keyring.activeKeyId;
    const rows = await this.keys.page(tenantId, afterId, limit);
    const pending: PendingRewrap[] = [];
    for (const row of rows) {
      if (row.master_key_id === active) {
        summary.already_current++;
        continue;
      }
      const outcome = rewrapDataKey(this.#keyring, row.master_key_id, row.wrapped_key);
      if (outcome.ok) {
        pending.push({
          id: row.id,
          fromMasterKeyId: row.master_key_id,
          oldWrappedKey: row.wrapped_key,
          newWrappedKey: outcome.wrappedKey,
        });
      } else {
        summary.failures.push({
          tenant_id: tenantId,
          data_key_id: row.id,
          master_key_id: row.master_key_id,
          reason: outcome.reason,
        });
      }
    }
    if (pending.length > 0) {
      const done = await this.keys.swapWrapping(tenantId, this.#keyring.activeKeyId, pending);
      summary.rewrapped += done.length;
      // A row whose wrapping changed since it was read was re-wrapped by a concurrent run: already current.
      summary.already_current += pending.length - done.length;
      if (done.length > 0)
        await this.recordRewrap(
          tenantId,
          pending.filter((p) => done.includes(p.id)),
        );
    }
    return rows.length === limit ? rows[rows.length - 1].id : null;
  }

  /** Same transaction as the update, like the CLI's other audited actions; ids only, never key material. */
  private recordRewrap(tenantId: TenantId, rewrapped: PendingRewrap[]): Promise<void> {
    return this.audit.record({
      tenantId,
      action: 'data_keys.rewrap',
      outcome: 'success',
      actor: { type: 'system', label: 'cli' },
      target: { type: 'TenantDataKey' },
      changes: {
        master_key_id: {
          from: [...new Set(rewrapped.map((p) => p.fromMasterKeyId))].sort(),
          to: this.#keyring.activeKeyId,
        },
      },
      metadata: { data_key_ids: rewrapped.map((p) => p.id) },
    });
  }

  // Deleted tenants are included: their data keys still exist, and leaving them under the old master key would make
  // their secrets unreadable once it is gone.
  private tenantIds(reason: 'data_keys.status' | 'data_keys.rewrap'): Promise<TenantId[]> {
    return this.system.run(reason, (plane) => plane.tenantIds({ includeDeleted: true }));
  }
}
