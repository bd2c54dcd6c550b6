// Inbound sources: how one provider's requests to this tenant are verified; secrets sealed per tenant.
import { Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { AccessService } from '@conduit/access';
import { CaseMapping, checkCaseMapping } from '@conduit/cases';
import { TenantContext } from '@conduit/database';
import {
  Clock,
  CommonException,
  ConduitConfig,
  IdGenerator,
  InjectConfig,
  Page,
  decodeCursor,
  isUuid,
  randomToken,
  toPage,
} from '@conduit/platform';
import { SecretBox, mask } from '@conduit/secrets';
import { assertValidFilter } from '@conduit/webhooks';
import {
  CreateSourceDto,
  ListSourcesQueryDto,
  SourceResponse,
  SourceWithSecretResponse,
  UpdateSourceDto,
} from './dto/source.dto';
import { InboundProviderName, InboundSourceEntity } from './entities/inbound-source.entity';
import { IngestionException } from './ingestion.exception';
import { SourceDirectoryRepository } from './repositories/source-directory.repository';
import { SourcesRepository } from './repositories/sources.repository';
import { SourceResolver } from './source-resolver';
import { sourceSecretAad, sourceSecretProblem } from './source-secrets';
import { generateWebhookSecret, issuePrivateWebhookToken } from '@conduit/signatures';

const AUTH_TOKEN_TTL_SECONDS = 365 * 86400;
const DEFAULT_GRACE_SECONDS = 86400;

function generateSecret(provider: InboundProviderName): string | null {
  switch (provider) {
    case 'stripe':
    case 'standard_webhooks':
      return generateWebhookSecret();
    case 'basic':
      return `conduit:${randomToken(24)}`;
    case 'github':
    case 'hmac':
    case 'jwt_hmac':
    case 'api_key':
      return randomToken(32);
    case 'none':
      return null;
  }
}

@Injectable()
export class SourcesService {
  constructor(
    @InjectConfig() private readonly config: ConduitConfig,
    private readonly db: TenantContext,
    private readonly sources: SourcesRepository,
    private readonly directory: SourceDirectoryRepository,
    private readonly access: AccessService,
    private readonly secrets: SecretBox,
    private readonly resolver: SourceResolver,
    private readonly ids: IdGenerator,
    private readonly clock: Clock,
  ) {}

  async create(dto: CreateSourceDto): Promise<SourceWithSecretResponse> {
    const tenantId = this.access.tenant().id;
    this.access.assert('create', 'Source', { tenant_id: tenantId });
    this.validate(dto);
    this.assertSecretFits(dto.provider, dto.secret);
    const id = this.ids.next();
    const secret = dto.provider === 'none' ? null : (dto.secret ?? generateSecret(dto.provider));
    const now = this.clock.now();
    // The acting tenant may differ from the request transaction's (the seed's POST /api/webhooks/generate with a
    // tenant_id below the caller's), so the insert, its key and the read-back run scoped to it.
    return this.db.runInTenant(tenantId, async () => {
      const source: InboundSourceEntity = {
        id,
        tenant_id: tenantId,
        name: dto.name,
        provider: dto.provider,
        source_key: randomBytes(24).toString('base64url'),
        secret_sealed: secret ? await this.secrets.seal(tenantId, secret, sourceSecretAad(id)) : null,
        secret_hint: secret ? mask(secret) : null,
        previous_secret_sealed: null,
        previous_secret_expires_at: null,
        allowed_cidrs: dto.allowed_cidrs ?? [],
        event_type_path: dto.event_type_path ?? null,
        filter: dto.filter ?? null,
        case_mapping: (dto.case_mapping as CaseMapping | null | undefined) ?? null,
        max_body_bytes: dto.max_body_bytes ?? Math.min(1024 * 1024, this.config.BODY_LIMIT_BYTES),
        is_active: true,
        rejected_count: '0',
        last_rejected_reason: null,
        last_rejected_at: null,
        created_at: now,
        updated_at: now,
        deleted_at: null,
      };
      // The directory first (core database): a receive then finds the source wherever its tenant's rows are. Should
      // the insert below fail, the entry points at no source, which the receive path answers as none.
      await this.directory.register(tenantId, id, source.source_key, now);
      await this.sources.insert(source);
      // A receive request may have cached "no source" under this name (default-tenant path) a moment ago.
      this.forgetAfterCommit(source);
      // Read back: PostgreSQL stores address ranges in canonical form (192.0.2.7 is 192.0.2.7/32), as later reads show.
      return this.withSecret(await this.sources.stored(tenantId, id), secret);
    });
  }

  async list(query: ListSourcesQueryDto): Promise<Page<SourceResponse>> {
    const tenantId = this.access.tenant().id;
    this.access.assert('read', 'Source', { tenant_id: tenantId });
    const limit = query.limit ?? 50;
    const cursor = decodeCursor(query.cursor);
    const rows = await this.sources.page(tenantId, { limit, cursor });
    const page = toPage(rows, limit, (s) => s);
    return { data: await Promise.all(page.data.map((s) => this.present(s))), next_cursor: page.next_cursor };
  }

  async get(id: string): Promise<SourceResponse> {
    return this.present(await this.load(id, 'read'));
  }

  async update(id: string, dto: UpdateSourceDto): Promise<SourceResponse> {
    const source = await this.load(id, 'update');
    if (Object.values(dto).every((v) => v === undefined)) {
      throw CommonException.validation('Nothing to update: send at least one field', [
        { field: 'body', message: 'no fields' },
      ]);
    }
    this.validate(dto);
    const changes: Partial<InboundSourceEntity> = { updated_at: this.clock.now() };
    if (dto.name !== undefined) changes.name = dto.name;
    if (dto.allowed_cidrs !== undefined) changes.allowed_cidrs = dto.allowed_cidrs;
    if (dto.event_type_path !== undefined) changes.event_type_path = dto.event_type_path;
    if (dto.filter !== undefined) changes.filter = dto.filter;
    if (dto.case_mapping !== undefined) changes.case_mapping = dto.case_mapping as CaseMapping | null;
    if (dto.max_body_bytes !== undefined) changes.max_body_bytes = dto.max_body_bytes;
    if (dto.is_active !== undefined) changes.is_active = dto.is_active;
    await this.sources.update(source.tenant_id, source.id, changes);
    // The old name's entries and the new name's cached "no source" (a rename or a reactivation) both go.
    this.forgetAfterCommit(source);
    this.forgetAfterCommit({ ...source, ...changes });
    return this.get(source.id);
  }

  async remove(id: string): Promise<void> {
    const source = await this.load(id, 'delete');
    const now = this.clock.now();
    await this.sources.update(source.tenant_id, source.id, { deleted_at: now, is_active: false, updated_at: now });
    this.forgetAfterCommit(source);
    // Out of the directory once the deletion is committed (should this fail, the entry names a deleted source, which
    // the receive path answers as none); a live source never loses its entry.
    const unregister = () => this.directory.unregister(source.tenant_id, source.id);
    if (this.db.inTransaction()) this.db.afterCommit(unregister);
    else await unregister();
  }

  /** New secret now; the previous one is still accepted for the grace period. */
  async rotateSecret(
    id: string,
    secret?: string,
    graceSeconds = DEFAULT_GRACE_SECONDS,
  ): Promise<SourceWithSecretResponse> {
    const source = await this.load(id, 'update');
    if (source.provider === 'none')
      throw new IngestionException('invalid_source', 'This source has no secret to rotate');
    this.assertSecretFits(source.provider, secret);
    const next = secret ?? (generateSecret(source.provider) as string);
    const now = this.clock.now();
    const changes = {
      secret_sealed: await this.secrets.seal(source.tenant_id, next, sourceSecretAad(source.id)),
      secret_hint: mask(next),
      previous_secret_sealed: source.secret_sealed,
      previous_secret_expires_at: new Date(now.getTime() + graceSeconds * 1000),
      updated_at: now,
    };
    await this.sources.update(source.tenant_id, source.id, changes);
    this.forgetAfterCommit(source);
    return this.withSecret({ ...source, ...changes }, next);
  }

  async load(id: string, action: 'read' | 'update' | 'delete'): Promise<InboundSourceEntity> {
    const tenantId = this.access.tenant().id;
    this.access.assert(action, 'Source', { tenant_id: tenantId }, 'source_not_found');
    const source = isUuid(id) ? await this.sources.find(tenantId, id) : null;
    if (!source || source.deleted_at) throw new IngestionException('source_not_found', 'Source not found');
    return source;
  }

  urls(source: Pick<InboundSourceEntity, 'id' | 'provider' | 'source_key'>): {
    ingest_url: string;
    receive_url: string;
  } {
    const base = (this.config.INGEST_PUBLIC_BASE_URL ?? `http://localhost:${this.config.PORT}`).replace(/\/$/, '');
    return {
      ingest_url: `${base}/api/v1/webhook/${source.provider}/${source.source_key}`,
      receive_url: `${base}/api/webhooks/receive/${source.id}`,
    };
  }

  authToken(source: InboundSourceEntity, secret: string): string {
    return issuePrivateWebhookToken({
      subscriptionId: source.id,
      tenantId: source.tenant_id,
      appName: source.name,
      signingKey: Buffer.from(secret, 'utf8'),
      ttlSeconds: AUTH_TOKEN_TTL_SECONDS,
      now: this.clock.now(),
    });
  }

  private async withSecret(source: InboundSourceEntity, secret: string | null): Promise<SourceWithSecretResponse> {
    const presented = await this.present(source);
    return {
      ...presented,
      secret,
      ...(source.provider === 'jwt_hmac' && secret ? { auth_token: this.authToken(source, secret) } : {}),
    };
  }

  /** The answer for a source: its secret as mask() shows it, from the hint kept beside it (no decryption). */
  async present(s: InboundSourceEntity): Promise<SourceResponse> {
    const hint = s.secret_sealed ? (s.secret_hint ?? mask(await this.openSecret(s))) : null;
    return {
      id: s.id,
      tenant_id: s.tenant_id,
      name: s.name,
      provider: s.provider,
      ...this.urls(s),
      secret: hint,
      previous_secret_expires_at: s.previous_secret_expires_at?.toISOString() ?? null,
      allowed_cidrs: s.allowed_cidrs,
      event_type_path: s.event_type_path,
      filter: s.filter,
      case_mapping: s.case_mapping as Record<string, unknown> | null,
      max_body_bytes: s.max_body_bytes,
      is_active: s.is_active,
      rejected_count: Number(s.rejected_count),
      last_rejected_reason: s.last_rejected_reason,
      last_rejected_at: s.last_rejected_at?.toISOString() ?? null,
      created_at: s.created_at.toISOString(),
      updated_at: s.updated_at.toISOString(),
    };
  }

  /** A secret set before hints were kept: opened to show its hint (listing sources otherwise decrypts nothing). */
  private openSecret(s: InboundSourceEntity): Promise<string> {
    return this.secrets.open(s.tenant_id, s.secret_sealed as string, sourceSecretAad(s.id));
  }

  /** A secret that could never verify this provider's requests is refused (see sourceSecretProblem). */
  private assertSecretFits(provider: InboundProviderName, secret: string | undefined): void {
    if (secret === undefined) return;
    const problem = sourceSecretProblem(provider, secret);
    if (problem) throw new IngestionException('invalid_source', problem, [{ field: 'secret', message: problem }]);
  }

  /**
   * Settings the DTO cannot check alone: the filter language, and a size limit the server's own limit leaves room for.
   */
  private validate(dto: {
    filter?: Record<string, unknown> | null;
    case_mapping?: Record<string, unknown> | null;
    max_body_bytes?: number;
  }): void {
    if (dto.case_mapping !== undefined && dto.case_mapping !== null) {
      const { problems } = checkCaseMapping(dto.case_mapping);
      if (problems.length > 0)
        throw new IngestionException(
          'invalid_case_mapping',
          `case_mapping is not valid: ${problems[0].field} ${problems[0].message}`,
          problems.map((p) => ({ field: `case_mapping.${p.field}`, code: p.code, message: p.message })),
        );
    }
    if (dto.filter !== undefined && dto.filter !== null) {
      try {
        assertValidFilter(dto.filter);
      } catch (err) {
        throw new IngestionException('invalid_filter', (err as Error).message, [
          { field: 'filter', message: (err as Error).message },
        ]);
      }
    }
    // Bodies over BODY_LIMIT_BYTES are refused before any source is looked at: a larger limit would never apply.
    const limit = this.config.BODY_LIMIT_BYTES;
    if (dto.max_body_bytes !== undefined && dto.max_body_bytes > limit) {
      const message = `max_body_bytes must be at most ${limit}, the server's BODY_LIMIT_BYTES (larger bodies are refused before any source applies)`;
      throw CommonException.validation(message, [{ field: 'max_body_bytes', message }]);
    }
  }

  /**
   * Drops what this process cached for the source, now and again once the change is committed: a receive request
   * between the two would otherwise load (and cache) the old state for INGEST_SOURCE_CACHE_SECONDS.
   */
  private forgetAfterCommit(source: Pick<InboundSourceEntity, 'id' | 'name' | 'source_key'>): void {
    this.resolver.forget(source);
    this.db.afterCommit(() => this.resolver.forget(source));
  }
}
