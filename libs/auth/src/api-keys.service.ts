// API keys: shown once, stored as a SHA-256 hash (keys are 256-bit random, so a slow hash adds nothing).
import { Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { AccessService, Principal, Role, TenantRef, roleAtLeast } from '@conduit/access';
import { AuditLog } from '@conduit/audit';
import { TenantContext } from '@conduit/database';
import { Clock, IdGenerator, Page, constantTimeEqual, decodeCursor, isUuid, sha256Hex, toPage } from '@conduit/platform';
import { ListQueryDto, TenantEntity } from '@conduit/tenants';
import { AuthException } from './auth.exception';
import { ApiKeyResponse, CreateApiKeyDto, CreatedApiKeyResponse } from './dto/api-key.dto';
import { ApiKeyEntity } from './entities/api-key.entity';
import { assertMayAct } from './membership-lookup';
import { RequestMeta } from './request-meta';

const KEY_PREFIX = 'ck_live_';
const PREFIX_CHARS = 12;
const KEY_PATTERN = /^ck_live_[0-9a-f]{12}[A-Za-z0-9_-]{43}$/;
const LAST_USED_GRANULARITY_MS = 60_000;

function presentApiKey(k: ApiKeyEntity): ApiKeyResponse {
  return {
    id: k.id,
    name: k.name,
    prefix: `${KEY_PREFIX}${k.prefix}`,
    role: k.role,
    scopes: k.scopes,
    tenant_id: k.tenant_id,
    expires_at: k.expires_at?.toISOString() ?? null,
    last_used_at: k.last_used_at?.toISOString() ?? null,
    revoked_at: k.revoked_at?.toISOString() ?? null,
    created_at: k.created_at.toISOString(),
  };
}

export function looksLikeApiKey(value: string): boolean {
  return value.startsWith(KEY_PREFIX);
}

@Injectable()
export class ApiKeysService {
  constructor(
    private readonly db: TenantContext,
    private readonly access: AccessService,
    private readonly audit: AuditLog,
    private readonly ids: IdGenerator,
    private readonly clock: Clock,
  ) {}

  async create(dto: CreateApiKeyDto): Promise<CreatedApiKeyResponse> {
    const { principal, tenant } = this.access.identity();
    this.access.assert('create', 'ApiKey', { tenant_id: tenant.id });
    const role = dto.role ?? (principal.role === 'platform_admin' ? 'mssp_admin' : principal.role);
    if (!roleAtLeast(principal.role, role)) throw new AuthException('role_not_allowed', `You cannot create a key with the ${role} role`);
    if (dto.expires_at && dto.expires_at <= this.clock.now()) {
      throw new AuthException('invalid_scope', 'expires_at must be in the future');
    }
    const prefix = randomBytes(PREFIX_CHARS / 2).toString('hex');
    const key = `${KEY_PREFIX}${prefix}${randomBytes(32).toString('base64url')}`;
    const entity: ApiKeyEntity = {
      id: this.ids.next(),
      tenant_id: tenant.id,
      name: dto.name,
      prefix,
      key_hash: sha256Hex(key),
      role: role as ApiKeyEntity['role'],
      scopes: [...new Set(dto.scopes)],
      created_by: principal.userId,
      expires_at: dto.expires_at ?? null,
      last_used_at: null,
      revoked_at: null,
      created_at: this.clock.now(),
    };
    await this.db.em.getRepository(ApiKeyEntity).insert(entity);
    return { ...presentApiKey(entity), key };
  }

  async list(query: ListQueryDto): Promise<Page<ApiKeyResponse>> {
    const tenantId = this.access.tenant().id;
    this.access.assert('read', 'ApiKey', { tenant_id: tenantId });
    const limit = query.limit ?? 50;
    const cursor = decodeCursor(query.cursor);
    const qb = this.db.em
      .getRepository(ApiKeyEntity)
      .createQueryBuilder('k')
      .where('k.tenant_id = :tenantId', { tenantId })
      .orderBy('k.created_at', 'DESC')
      .addOrderBy('k.id', 'DESC')
      .limit(limit + 1);
    if (cursor) qb.andWhere('(k.created_at, k.id) < (:ca, :cid)', { ca: cursor.created_at, cid: cursor.id });
    return toPage(await qb.getMany(), limit, presentApiKey);
  }

  async get(id: string): Promise<ApiKeyResponse> {
    return presentApiKey(await this.load(id, 'read'));
  }

  /** Revokes (keeps the row so audit trails still resolve the key's name). */
  async revoke(id: string): Promise<void> {
    const key = await this.load(id, 'delete');
    if (key.revoked_at) return;
    await this.db.em.getRepository(ApiKeyEntity).update({ id: key.id }, { revoked_at: this.clock.now() });
  }

  /** Resolves a presented key to its principal, or throws with a stable code (refusals of known keys are audited). */
  async authenticate(presented: string, meta: RequestMeta): Promise<{ principal: Principal; tenant: TenantRef }> {
    if (!KEY_PATTERN.test(presented)) throw new AuthException('api_key_invalid', 'API key is not valid');
    const prefix = presented.slice(KEY_PREFIX.length, KEY_PREFIX.length + PREFIX_CHARS);
    const found = await this.db.withSettings({ 'app.api_key_prefix': prefix }, async () => {
      const key = await this.db.em.getRepository(ApiKeyEntity).findOne({ where: { prefix } });
      if (!key) return null;
      const tenant = await this.db.em.getRepository(TenantEntity).findOne({ where: { id: key.tenant_id } });
      return tenant ? { key, tenant } : null;
    });
    if (!found || !constantTimeEqual(found.key.key_hash, sha256Hex(presented))) {
      throw new AuthException('api_key_invalid', 'API key is not valid');
    }
    const { key, tenant } = found;
    const tenantRef: TenantRef = { id: tenant.id, code: tenant.code, name: tenant.name, status: tenant.status, parent_id: tenant.parent_id };
    const now = this.clock.now();
    try {
      if (key.revoked_at) throw new AuthException('api_key_revoked', 'API key has been revoked');
      if (key.expires_at && key.expires_at <= now) throw new AuthException('api_key_expired', 'API key has expired');
      assertMayAct({ tenant: { ...tenantRef, deleted: tenant.deleted_at !== null } });
    } catch (err) {
      await this.audit.record({
        tenantId: key.tenant_id,
        action: 'auth.api_key_refused',
        outcome: 'denied',
        actor: { type: 'api_key', id: key.id, label: key.name },
        target: { type: 'ApiKey', id: key.id },
        ip: meta.ip,
        userAgent: meta.userAgent,
        requestId: meta.requestId,
        metadata: { reason: (err as AuthException).code },
      });
      throw err;
    }
    if (!key.last_used_at || now.getTime() - key.last_used_at.getTime() > LAST_USED_GRANULARITY_MS) {
      await this.db.runInTenant(key.tenant_id, async () => {
        await this.db.em.getRepository(ApiKeyEntity).update({ id: key.id }, { last_used_at: now });
      });
    }
    return {
      principal: {
        kind: 'api_key',
        id: key.id,
        label: key.name,
        userId: key.created_by,
        homeTenantId: key.tenant_id,
        role: key.role as Role,
        scopes: key.scopes,
      },
      tenant: tenantRef,
    };
  }

  private async load(id: string, action: 'read' | 'delete'): Promise<ApiKeyEntity> {
    const tenantId = this.access.tenant().id;
    this.access.assert(action, 'ApiKey', { tenant_id: tenantId }, 'api_key_not_found');
    const key = isUuid(id) ? await this.db.em.getRepository(ApiKeyEntity).findOne({ where: { id, tenant_id: tenantId } }) : null;
    if (!key) throw new AuthException('api_key_not_found', 'API key not found');
    return key;
  }
}
