import type { SystemContext, TenantContext } from '@conduit/database';
import type { Clock, ConduitConfig } from '@conduit/platform';
import type { SecretBox } from '@conduit/secrets';
import type { TenantHierarchy } from '@conduit/tenants';
import type { InboundSourceEntity } from './entities/inbound-source.entity';
import type { SourcesRepository } from './repositories/sources.repository';
import { ResolvedSource, SourceResolver } from './source-resolver';

const source = {
  id: '0193a6b2-0000-7000-8000-000000000001',
  name: 'negcache',
  provider: 'none',
  source_key: 'k'.repeat(32),
  is_active: true,
  deleted_at: null,
} as InboundSourceEntity;
const found: ResolvedSource = { source, secrets: [] };
const byName = { by: 'default', provider: 'negcache' } as const;

function resolverWith(answers: (() => Promise<ResolvedSource | null>)[]) {
  const config = { INGEST_SOURCE_CACHE_SECONDS: 30 } as ConduitConfig;
  const clock = { now: () => new Date('2026-11-23T12:00:00Z') } as Clock;
  const resolver = new SourceResolver(
    config,
    {} as TenantContext,
    {} as SystemContext,
    {} as SourcesRepository,
    {} as SecretBox,
    {} as TenantHierarchy,
    clock,
  );
  const load = vi.spyOn(resolver as unknown as { load: () => Promise<ResolvedSource | null> }, 'load');
  for (const answer of answers) load.mockImplementationOnce(answer);
  return { resolver, load };
}

describe('SourceResolver', () => {
  it('caches "no source" until a source by that name is created or renamed here', async () => {
    const { resolver, load } = resolverWith([async () => null, async () => found]);
    expect(await resolver.resolve(byName)).toBeNull();
    expect(resolver.cached(byName)).toBeNull();
    resolver.forget(source);
    expect(resolver.cached(byName)).toBeUndefined();
    expect(await resolver.resolve(byName)).toBe(found);
    expect(load).toHaveBeenCalledTimes(2);
  });

  it('drops the entries holding a source, whatever the key', async () => {
    const { resolver } = resolverWith([async () => found]);
    const byKey = { by: 'key', provider: 'none', sourceKey: source.source_key } as const;
    await resolver.resolve(byKey);
    expect(resolver.cached(byKey)).toBe(found);
    resolver.forget({ ...source, name: 'another-name', source_key: 'other' });
    expect(resolver.cached(byKey)).toBeUndefined();
  });

  it('does not cache, nor let new requests join, a load that started before a change', async () => {
    let finishStale!: (value: ResolvedSource | null) => void;
    const { resolver, load } = resolverWith([
      () => new Promise((resolve) => (finishStale = resolve)),
      async () => found,
    ]);
    const stale = resolver.resolve(byName);
    resolver.forget(source);
    const fresh = resolver.resolve(byName);
    finishStale(null);
    expect(await stale).toBeNull();
    expect(await fresh).toBe(found);
    expect(resolver.cached(byName)).toBe(found);
    expect(load).toHaveBeenCalledTimes(2);
  });
});
