// Finds the source a receive request names (by id, by key, or the deployment's default tenant) with its open
// secrets, cached briefly: the receive path is hot and must not decrypt on every request.
import { Injectable } from '@nestjs/common';
import { SystemContext, TenantContext } from '@conduit/database';
import { Clock, ConduitConfig, InjectConfig, isUuid } from '@conduit/platform';
import { SecretBox } from '@conduit/secrets';
import { TenantHierarchy } from '@conduit/tenants';
import { InboundSourceEntity } from './entities/inbound-source.entity';
import { SourcesRepository } from './repositories/sources.repository';
import { sourceSecretAad } from './source-secrets';

export type ReceiveTarget =
  | { by: 'id'; sourceId: string }
  | { by: 'key'; provider: string; sourceKey: string }
  | { by: 'default'; provider: string };

export interface ResolvedSource {
  source: InboundSourceEntity;
  /** current first, then the previous one while its grace period lasts */
  secrets: string[];
}

interface CacheEntry {
  value: ResolvedSource | null;
  expiresAt: number;
}

const MAX_ENTRIES = 10_000;

function cacheKey(target: ReceiveTarget): string {
  return target.by === 'id'
    ? `id:${target.sourceId}`
    : target.by === 'key'
      ? `key:${target.sourceKey}`
      : `default:${target.provider}`;
}

@Injectable()
export class SourceResolver {
  readonly #cache = new Map<string, CacheEntry>();
  readonly #loading = new Map<string, Promise<ResolvedSource | null>>();
  /** Bumped by forget(): a load that started before a change may return the old state, and is then not cached. */
  #epoch = 0;

  constructor(
    @InjectConfig() private readonly config: ConduitConfig,
    private readonly db: TenantContext,
    private readonly system: SystemContext,
    private readonly sources: SourcesRepository,
    private readonly secrets: SecretBox,
    private readonly hierarchy: TenantHierarchy,
    private readonly clock: Clock,
  ) {}

  /** The cached answer without a turn of the event loop, or undefined when it must be loaded (resolve()). */
  cached(target: ReceiveTarget): ResolvedSource | null | undefined {
    const now = this.clock.now().getTime();
    const cached = this.#cache.get(cacheKey(target));
    return cached && cached.expiresAt > now ? this.stillValid(cached.value, target, now) : undefined;
  }

  async resolve(target: ReceiveTarget): Promise<ResolvedSource | null> {
    const key = cacheKey(target);
    const now = this.clock.now().getTime();
    const cached = this.#cache.get(key);
    if (cached && cached.expiresAt > now) return this.stillValid(cached.value, target, now);
    // One load per key at a time: when an entry expires under load, the requests that find it expired wait for the
    // same query and decryption instead of each running their own.
    let loading = this.#loading.get(key);
    if (!loading) {
      const epoch = this.#epoch;
      const started = this.load(target).then((value) => {
        if (epoch === this.#epoch) this.remember(key, value, now);
        return value;
      });
      loading = started.finally(() => {
        if (this.#loading.get(key) === loading) this.#loading.delete(key);
      });
      this.#loading.set(key, loading);
    }
    return this.stillValid(await loading, target, now);
  }

  /**
   * Drops what this process cached about a source after it was created, changed, rotated or deleted here: the entries
   * holding it, and the "no source" answers it may now change (its id, its key, and its name on the default-tenant
   * path, which a creation, a rename or a reactivation can turn from 404 into this source). Loads in flight are not
   * joined or cached any more. Other processes see the change once their entries expire (INGEST_SOURCE_CACHE_SECONDS).
   */
  forget(source: Pick<InboundSourceEntity, 'id' | 'name' | 'source_key'>): void {
    this.#epoch += 1;
    this.#loading.clear();
    for (const [key, entry] of this.#cache) if (entry.value?.source.id === source.id) this.#cache.delete(key);
    this.#cache.delete(cacheKey({ by: 'id', sourceId: source.id }));
    this.#cache.delete(cacheKey({ by: 'key', provider: '', sourceKey: source.source_key }));
    this.#cache.delete(cacheKey({ by: 'default', provider: source.name }));
  }

  private remember(key: string, value: ResolvedSource | null, now: number): void {
    if (this.config.INGEST_SOURCE_CACHE_SECONDS <= 0) return;
    if (this.#cache.size >= MAX_ENTRIES) this.#cache.delete(this.#cache.keys().next().value as string);
    this.#cache.set(key, { value, expiresAt: now + this.config.INGEST_SOURCE_CACHE_SECONDS * 1000 });
  }

  private stillValid(value: ResolvedSource | null, target: ReceiveTarget, now: number): ResolvedSource | null {
    if (!value || !value.source.is_active || value.source.deleted_at) return null;
    // The key path names the provider too; the default-tenant path names the source instead.
    if (target.by === 'key' && value.source.provider !== target.provider) return null;
    const expires = value.source.previous_secret_expires_at?.getTime();
    if (value.secrets.length > 1 && expires !== undefined && expires <= now)
      return { ...value, secrets: value.secrets.slice(0, 1) };
    return value;
  }

  private async load(target: ReceiveTarget): Promise<ResolvedSource | null> {
    const source = await this.find(target);
    if (!source) return null;
    const open = (sealed: string | null) =>
      sealed ? this.secrets.open(source.tenant_id, sealed, sourceSecretAad(source.id)) : null;
    const [current, previous] = await Promise.all([open(source.secret_sealed), open(source.previous_secret_sealed)]);
    return { source, secrets: [current, previous].filter((s): s is string => s !== null) };
  }

  private async find(target: ReceiveTarget): Promise<InboundSourceEntity | null> {
    switch (target.by) {
      case 'id':
        if (!isUuid(target.sourceId)) return null;
        return this.sources.lookupById(target.sourceId);
      case 'key':
        if (!/^[A-Za-z0-9_-]{16,64}$/.test(target.sourceKey)) return null;
        return this.sources.lookupByKey(target.sourceKey);
      case 'default': {
        const code = this.config.INGEST_DEFAULT_TENANT;
        if (!code) return null;
        const tenant = await this.system.run('ingestion.default_tenant', () => this.hierarchy.find(code), {
          routine: true,
        });
        if (!tenant) return null;
        return this.db.runInTenant(tenant.id, () => this.sources.oldestActiveNamed(tenant.id, target.provider));
      }
    }
  }
}
