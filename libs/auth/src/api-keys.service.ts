// API keys: shown once, stored as a SHA-256 hash (keys are 256-bit random, so a slow hash adds nothing).
import { Injectable, Logger } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { AccessService, Principal, TenantRef, roleAtLeast } from '@conduit/access';
import { AuditLog } from '@conduit/audit';
import { TenantContext, isDatabaseUnavailable } from '@conduit/database';
import {
  Clock,
  CommonException,
  IdGenerator,
  Page,
  constantTimeEqual,
  decodeCursor,
  isUuid,
  sha256Hex,
  toPage,
} from '@conduit/platform';
import { ListQueryDto } from '@conduit/tenants';
import { ApiKeyLookup, PresentedKey } from './repositories/api-key-lookup';
import { ApiKeysRepository } from './repositories/api-keys.repository';
import { highestRole, lowerRole, scopesNotHeld } from './api-key-grants';
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
  private readonly logger = new Logger('ApiKeysService');

  constructor(
    private readonly db: TenantContext,
    private readonly keys: ApiKeysRepository,
    private readonly lookup: ApiKeyLookup,
    private readonly access: AccessService,
    private readonly audit: AuditLog,
    private readonly ids: IdGenerator,
    private readonly clock: Clock,
  ) {}

  async create(dto: CreateApiKeyDto): Promise<CreatedApiKeyResponse> {
    const { principal, tenant } = this.access.identity();
    this.access.assert('create', 'ApiKey', { tenant_id: tenant.id });
    // Any role up to the creator's own. Asked for nothing, a platform admin gets an mssp_admin key, as before
    // platform_admin keys existed: the platform-wide role is only ever handed out on purpose.
    const role = dto.role ?? (principal.role === 'platform_admin' ? 'mssp_admin' : principal.role);
    if (!roleAtLeast(principal.role, role))
      throw new AuthException('role_not_allowed', `You cannot create a key with the ${role} role`);
    // A key's tenant is its home: one homed elsewhere would escape what protects the platform tenant from its own
    // admins (they cannot suspend or delete their home tenant).
    if (role === 'platform_admin' && tenant.id !== principal.homeTenantId) {
      throw new AuthException(
        'role_not_allowed',
        'A platform_admin key can only be created in your own tenant, not in one you act in with X-Tenant-Id',
      );
    }
    const scopes = [...new Set(dto.scopes)];
    // A key creating a key hands on at most what it holds (users hold their role's every scope).
    const notHeld = scopesNotHeld(principal.scopes, scopes);
    if (notHeld.length > 0) {
      throw new AuthException(
        'scope_not_allowed',
        `A key can only grant scopes it holds itself; not held: ${notHeld.join(', ')}`,
      );
    }
    if (dto.expires_at && dto.expires_at <= this.clock.now()) {
      throw CommonException.validation('expires_at must be in the future', [
        { field: 'expires_at', message: 'expires_at must be in the future' },
      ]);
    }
    const expiresAt = await this.expiryWithin(principal, dto.expires_at ?? null);
    const prefix = randomBytes(PREFIX_CHARS / 2).toString('hex');
    const key = `${KEY_PREFIX}${prefix}${randomBytes(32).toString('base64url')}`;
    const entity: ApiKeyEntity = {
      id: this.ids.next(),
      tenant_id: tenant.id,
      name: dto.name,
      prefix,
      key_hash: sha256Hex(key),
      role,
      scopes,
      created_by: principal.userId,
      expires_at: expiresAt,
      last_used_at: null,
      revoked_at: null,
      created_at: this.clock.now(),
    };
    // API keys are control plane: in the core database whatever the tenant's isolation (authentication reads them).
    await this.db.runInTenantControlPlane(tenant.id, () => this.keys.insert(entity));
    return { ...presentApiKey(entity), key };
  }

  async list(query: ListQueryDto): Promise<Page<ApiKeyResponse>> {
    const tenantId = this.access.tenant().id;
    this.access.assert('read', 'ApiKey', { tenant_id: tenantId });
    const limit = query.limit ?? 50;
    const cursor = decodeCursor(query.cursor);
    const rows = await this.db.runInTenantControlPlane(tenantId, () => this.keys.page(tenantId, { limit, cursor }));
    return toPage(rows, limit, presentApiKey);
  }

  async get(id: string): Promise<ApiKeyResponse> {
    return presentApiKey(await this.load(id, 'read'));
  }

  /** Revokes (keeps the row so audit trails still resolve the key's name). */
  async revoke(id: string): Promise<void> {
    const key = await this.load(id, 'delete');
    if (key.revoked_at) return;
    await this.db.runInTenantControlPlane(key.tenant_id, () =>
      this.keys.revoke(key.tenant_id, key.id, this.clock.now()),
    );
  }

  /** Revokes every live key the user created in the tenant (SCIM deprovisioning); how many. */
  revokeCreatedBy(tenantId: TenantRef['id'], userId: string): Promise<number> {
    return this.db.runInTenantControlPlane(tenantId, () =>
      this.keys.revokeCreatedBy(tenantId, userId, this.clock.now()),
    );
  }

  /**
   * Resolves a presented key to its principal, or throws with a stable code (refusals of known keys are audited).
   * The key acts with the lower of its own role and its creator's current authority in its tenant, and stops
   * working while its creator is disabled or can no longer act there (removed, deleted). All of it is read afresh
   * in one round trip (ApiKeyLookup), never cached, so every change shows on the very next request.
   */
  async authenticate(presented: string, meta: RequestMeta): Promise<{ principal: Principal; tenant: TenantRef }> {
    if (!KEY_PATTERN.test(presented)) throw new AuthException('api_key_invalid', 'API key is not valid');
    const prefix = presented.slice(KEY_PREFIX.length, KEY_PREFIX.length + PREFIX_CHARS);
    const now = this.clock.now();
    const key = await this.lookup.byPrefix(prefix);
    if (!key || !constantTimeEqual(key.key_hash, sha256Hex(presented)))
      throw new AuthException('api_key_invalid', 'API key is not valid');
    const live = !key.revoked_at && !(key.expires_at && key.expires_at <= now);
    const creatorRole =
      live && key.created_by && key.creator_status === 'active' ? highestRole(key.creator_roles) : null;
    const tenantRef: TenantRef = {
      id: key.tenant_id,
      code: key.tenant_code,
      name: key.tenant_name,
      status: key.tenant_status,
      parent_id: key.tenant_parent_id,
    };
    try {
      if (key.revoked_at) throw new AuthException('api_key_revoked', 'API key has been revoked');
      if (key.expires_at && key.expires_at <= now) throw new AuthException('api_key_expired', 'API key has expired');
      if (!creatorRole) {
        throw new AuthException(
          'api_key_creator_inactive',
          'The user who created this API key is disabled or no longer has access to its tenant',
        );
      }
      assertMayAct({ tenant: { ...tenantRef, deleted: key.tenant_deleted_at !== null } });
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
    if (!key.last_used_at || now.getTime() - key.last_used_at.getTime() > LAST_USED_GRANULARITY_MS)
      this.touchLastUsed(key, now);
    return {
      principal: {
        kind: 'api_key',
        id: key.id,
        label: key.name,
        userId: key.created_by,
        homeTenantId: key.tenant_id,
        role: lowerRole(key.role, creatorRole),
        scopes: key.scopes,
      },
      tenant: tenantRef,
    };
  }

  /**
   * Records the use without holding up the request: a lost touch only leaves last_used_at a little older. At most once
   * a minute per key, and only when it is that old (replicas racing write once).
   */
  private touchLastUsed(key: PresentedKey, now: Date): void {
    const staleBefore = new Date(now.getTime() - LAST_USED_GRANULARITY_MS);
    this.keys.touchLastUsed(key.tenant_id, key.id, now, staleBefore).catch((err: Error) => {
      // A database outage is logged once by DatabaseAvailability (the pool's connections report to it), not per key
      // use.
      if (!isDatabaseUnavailable(err))
        this.logger.warn(`could not record the use of API key ${key.id}: ${err.message}`);
    });
  }

  /** A key created by a key expires no later than its creator key (and with it, when no expiry is asked for). */
  private async expiryWithin(principal: Principal, requested: Date | null): Promise<Date | null> {
    if (principal.kind !== 'api_key') return requested;
    const parent = await this.db.runInTenantControlPlane(principal.homeTenantId, () =>
      this.keys.find(principal.homeTenantId, principal.id),
    );
    const limit = parent?.expires_at ?? null;
    if (!limit) return requested;
    if (!requested) return limit;
    if (requested > limit) {
      throw new AuthException(
        'expiry_not_allowed',
        `A key cannot outlive the key that creates it (that one expires at ${limit.toISOString()})`,
      );
    }
    return requested;
  }

  private async load(id: string, action: 'read' | 'delete'): Promise<ApiKeyEntity> {
    const tenantId = this.access.tenant().id;
    this.access.assert(action, 'ApiKey', { tenant_id: tenantId }, 'api_key_not_found');
    const key = isUuid(id) ? await this.db.runInTenantControlPlane(tenantId, () => this.keys.find(tenantId, id)) : null;
    if (!key) throw new AuthException('api_key_not_found', 'API key not found');
    return key;
  }
}
