// A tenant's SCIM bearer tokens: created by its admins for one SSO connection, shown once, stored as SHA-256, revoked
// by id; and resolving a presented token to its tenant (ScimTokenStrategy, run by ScimTokenGuard).
import { Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { AccessService } from '@conduit/access';
import { TenantContext } from '@conduit/database';
import {
  Clock,
  ConduitConfig,
  IdGenerator,
  InjectConfig,
  Page,
  TenantId,
  constantTimeEqual,
  decodeCursor,
  isUuid,
  sha256Hex,
  toPage,
} from '@conduit/platform';
import { ListQueryDto } from '@conduit/tenants';
import { CreateScimTokenDto, CreatedScimTokenResponse, ScimTokenResponse } from './dto/scim-token.dto';
import { ScimTokenEntity } from './entities/scim-token.entity';
import { ScimTokenLookup } from './repositories/scim-token-lookup';
import { ScimTokensRepository } from './repositories/scim-tokens.repository';
import { ScimCaller } from './scim-caller';
import { ScimError } from './scim-error';
import { ScimTokenException } from './scim.exception';

export const SCIM_TOKEN_PREFIX = 'cscim_';
const PREFIX_CHARS = 12;
const TOKEN_PATTERN = /^cscim_([0-9a-f]{12})[A-Za-z0-9_-]{43}$/;
const LAST_USED_GRANULARITY_MS = 60_000;

function present(t: ScimTokenEntity): ScimTokenResponse {
  return {
    id: t.id,
    name: t.name,
    connection_id: t.connection_id,
    prefix: `${SCIM_TOKEN_PREFIX}${t.prefix}`,
    tenant_id: t.tenant_id,
    created_by: t.created_by,
    created_at: t.created_at.toISOString(),
    last_used_at: t.last_used_at?.toISOString() ?? null,
    revoked_at: t.revoked_at?.toISOString() ?? null,
  };
}

@Injectable()
export class ScimTokensService {
  constructor(
    private readonly db: TenantContext,
    private readonly tokens: ScimTokensRepository,
    private readonly lookup: ScimTokenLookup,
    private readonly access: AccessService,
    private readonly ids: IdGenerator,
    private readonly clock: Clock,
    @InjectConfig() private readonly config: ConduitConfig,
  ) {}

  /** The SCIM base URL identity providers are given. */
  baseUrl(): string {
    return `${(this.config.PUBLIC_URL ?? '').replace(/\/+$/, '')}/scim/v2`;
  }

  async create(dto: CreateScimTokenDto): Promise<CreatedScimTokenResponse> {
    const { principal, tenant } = this.access.identity();
    this.access.assert('create', 'ScimToken', { tenant_id: tenant.id });
    // Control plane: in the core database whatever the tenant's isolation (docs/dedicated-tenants.md).
    return this.db.runInTenantControlPlane(tenant.id, () => this.createIn(principal.userId, tenant.id, dto));
  }

  private async createIn(
    userId: string | null,
    tenantId: TenantId,
    dto: CreateScimTokenDto,
  ): Promise<CreatedScimTokenResponse> {
    if (!(await this.tokens.connection(tenantId, dto.connection_id)))
      throw new ScimTokenException('sso_connection_not_found', 'No SSO connection with this id in the tenant');
    const prefix = randomBytes(PREFIX_CHARS / 2).toString('hex');
    const token = `${SCIM_TOKEN_PREFIX}${prefix}${randomBytes(32).toString('base64url')}`;
    const entity: ScimTokenEntity = {
      id: this.ids.next(),
      tenant_id: tenantId,
      connection_id: dto.connection_id,
      name: dto.name,
      prefix,
      token_hash: sha256Hex(token),
      created_by: userId,
      created_at: this.clock.now(),
      last_used_at: null,
      revoked_at: null,
    };
    await this.tokens.insert(entity);
    return { ...present(entity), token, base_url: this.baseUrl() };
  }

  async list(query: ListQueryDto): Promise<Page<ScimTokenResponse>> {
    const tenantId = this.access.tenant().id;
    this.access.assert('read', 'ScimToken', { tenant_id: tenantId });
    const limit = query.limit ?? 50;
    const rows = await this.db.runInTenantControlPlane(tenantId, () =>
      this.tokens.page(tenantId, { limit, cursor: decodeCursor(query.cursor) }),
    );
    return toPage(rows, limit, present);
  }

  /** Revokes (the row stays, so audit trails still name the token); a repeat is harmless. */
  async revoke(id: string): Promise<void> {
    const tenantId = this.access.tenant().id;
    this.access.assert('delete', 'ScimToken', { tenant_id: tenantId }, 'scim_token_not_found');
    await this.db.runInTenantControlPlane(tenantId, async () => {
      const token = isUuid(id) ? await this.tokens.find(tenantId, id) : null;
      if (!token) throw new ScimTokenException('scim_token_not_found', 'SCIM token not found');
      if (!token.revoked_at) await this.tokens.revoke(tenantId, id, this.clock.now());
    });
  }

  /** The caller a presented bearer token stands for, or a SCIM 401/403 (ScimTokenStrategy's check). */
  async authenticate(presented: string, meta: Pick<ScimCaller, 'ip' | 'userAgent' | 'requestId'>): Promise<ScimCaller> {
    const parts = TOKEN_PATTERN.exec(presented);
    const row = parts ? await this.lookup.byPrefix(parts[1]) : null;
    if (!row || !constantTimeEqual(sha256Hex(presented), row.token_hash))
      throw ScimError.unauthorized('The SCIM token is not valid');
    if (row.revoked_at) throw ScimError.unauthorized('The SCIM token has been revoked');
    if (row.tenant_deleted_at || row.tenant_status !== 'active')
      throw new ScimError(403, 'The tenant of this SCIM token is not active');
    return {
      tokenId: row.id,
      tokenName: row.name,
      tenantId: row.tenant_id,
      connectionId: row.connection_id,
      lastUsedAt: row.last_used_at,
      ...meta,
    };
  }

  /** Records the token's use (at most once a minute), in the request's tenant transaction. */
  async touch(caller: ScimCaller): Promise<void> {
    const now = this.clock.now();
    if (caller.lastUsedAt && now.getTime() - caller.lastUsedAt.getTime() < LAST_USED_GRANULARITY_MS) return;
    await this.db.runInTenantControlPlane(caller.tenantId, () =>
      this.tokens.touch(caller.tenantId, caller.tokenId, now, new Date(now.getTime() - LAST_USED_GRANULARITY_MS)),
    );
  }
}
