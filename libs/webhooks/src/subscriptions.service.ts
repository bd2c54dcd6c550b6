import { Injectable } from '@nestjs/common';
import { AccessService } from '@conduit/access';
import {
  AddressPolicy,
  HEADER_VALUE_RULE,
  MAX_CUSTOM_HEADERS,
  describeRefusal,
  headerNameProblem,
  isSendableHeaderValue,
  literalTargetRefusal,
} from '@conduit/outbound-http';
import { TenantContext } from '@conduit/database';
import {
  Clock,
  CommonException,
  ConduitConfig,
  IdGenerator,
  InjectConfig,
  Page,
  TenantId,
  decodeCursor,
  isUuid,
  toPage,
} from '@conduit/platform';
import { SecretBox } from '@conduit/secrets';
import {
  CreateSubscriptionDto,
  ListSubscriptionsQueryDto,
  SubscriptionResponse,
  SubscriptionWithSecretResponse,
  UpdateSubscriptionDto,
} from './dto/subscription.dto';
import { SubscriptionEntity, SubscriptionType } from './entities/subscription.entity';
import { SubscriptionListRow, SubscriptionsRepository } from './repositories/subscriptions.repository';
import { assertEventPatterns, assertValidFilter, matchingPatterns } from './event-matching';
import { generateWebhookSecret } from '@conduit/signatures';
import { WebhookException, subscriptionDisabled } from './webhook.exception';

const HIDDEN = '••••';

type SubscriptionFields = {
  target_url?: string;
  type?: SubscriptionType;
  event_types?: string[];
  filter?: Record<string, unknown> | null;
  headers?: Record<string, string> | null;
};

/** Aad binding sealed values to their subscription and purpose. */
export const secretAad = (subscriptionId: string) => `subscription:${subscriptionId}:secret`;
export const headersAad = (subscriptionId: string) => `subscription:${subscriptionId}:headers`;

@Injectable()
export class SubscriptionsService {
  constructor(
    @InjectConfig() private readonly config: ConduitConfig,
    private readonly db: TenantContext,
    private readonly subscriptions: SubscriptionsRepository,
    private readonly access: AccessService,
    private readonly secrets: SecretBox,
    private readonly ids: IdGenerator,
    private readonly clock: Clock,
  ) {}

  /** Creates in tenantId (the acting tenant unless a seed body named another one the caller administers). */
  async create(
    dto: CreateSubscriptionDto,
    tenantId = this.access.tenant().id,
  ): Promise<SubscriptionWithSecretResponse> {
    this.access.assert('create', 'Subscription', { tenant_id: tenantId });
    this.validate({ ...dto, type: dto.type ?? 'public' });
    const id = this.ids.next();
    const secret = generateWebhookSecret();
    const now = this.clock.now();
    const headers = dto.headers ?? {};
    const entity: SubscriptionEntity = {
      id,
      tenant_id: tenantId,
      app_name: dto.app_name,
      description: dto.description ?? null,
      target_url: dto.target_url,
      event_types: [...new Set(dto.event_types)],
      filter: dto.filter ?? null,
      type: dto.type ?? 'public',
      payload_format: dto.payload_format ?? 'envelope',
      header_names: Object.keys(headers),
      headers_sealed: Object.keys(headers).length
        ? await this.secrets.seal(tenantId, JSON.stringify(headers), headersAad(id))
        : null,
      secret_sealed: await this.secrets.seal(tenantId, secret, secretAad(id)),
      previous_secret_sealed: null,
      previous_secret_expires_at: null,
      retry_schedule: dto.retry_schedule ?? this.config.WEBHOOK_RETRY_SCHEDULE,
      rate_limit_per_second: dto.rate_limit_per_second ?? null,
      is_active: true,
      disabled_reason: null,
      disabled_at: null,
      consecutive_failures: 0,
      circuit_state: 'closed',
      circuit_opened_at: null,
      failing_since: null,
      created_at: now,
      updated_at: now,
      deleted_at: null,
    };
    await this.db.runInTenant(tenantId, () => this.subscriptions.insert(entity));
    return { ...this.present(entity), secret };
  }

  async list(
    query: ListSubscriptionsQueryDto,
    tenantId = this.access.tenant().id,
  ): Promise<Page<SubscriptionResponse>> {
    this.access.assert('read', 'Subscription', { tenant_id: tenantId });
    const limit = query.limit ?? 50;
    const cursor = decodeCursor(query.cursor);
    const filter = {
      eventPatterns: query.event_type ? matchingPatterns(query.event_type) : undefined,
      active: query.is_active ? query.is_active === 'true' : undefined,
    };
    return this.db.runInTenant(tenantId, async () =>
      toPage(await this.subscriptions.page(tenantId, filter, { limit, cursor }), limit, (s) => this.present(s)),
    );
  }

  async get(id: string): Promise<SubscriptionResponse> {
    return this.present(await this.load(id, 'read'));
  }

  async update(id: string, dto: UpdateSubscriptionDto): Promise<SubscriptionResponse> {
    const sub = await this.load(id, 'update');
    if (Object.values(dto).every((v) => v === undefined)) {
      throw CommonException.validation('Nothing to update: send at least one field', [
        { field: 'body', message: 'no fields' },
      ]);
    }
    // Header rules depend on the type, so a change of either is checked against the other's resulting value.
    const headerNames = dto.headers === undefined ? sub.header_names : Object.keys(dto.headers ?? {});
    this.validate({ ...dto, type: dto.type ?? sub.type }, headerNames);
    const changes: Partial<SubscriptionEntity> = { updated_at: this.clock.now() };
    if (dto.app_name !== undefined) changes.app_name = dto.app_name;
    if (dto.description !== undefined) changes.description = dto.description;
    if (dto.target_url !== undefined) changes.target_url = dto.target_url;
    if (dto.event_types !== undefined) changes.event_types = [...new Set(dto.event_types)];
    if (dto.filter !== undefined) changes.filter = dto.filter;
    if (dto.type !== undefined) changes.type = dto.type;
    if (dto.payload_format !== undefined) changes.payload_format = dto.payload_format;
    if (dto.retry_schedule !== undefined) changes.retry_schedule = dto.retry_schedule;
    if (dto.rate_limit_per_second !== undefined) changes.rate_limit_per_second = dto.rate_limit_per_second;
    if (dto.headers !== undefined) {
      const headers = dto.headers ?? {};
      changes.header_names = Object.keys(headers);
      changes.headers_sealed = changes.header_names.length
        ? await this.secrets.seal(sub.tenant_id, JSON.stringify(headers), headersAad(sub.id))
        : null;
    }
    if (dto.is_active === true) {
      Object.assign(changes, {
        is_active: true,
        disabled_reason: null,
        disabled_at: null,
        consecutive_failures: 0,
        circuit_state: 'closed',
        circuit_opened_at: null,
        failing_since: null,
      });
    } else if (dto.is_active === false) {
      Object.assign(changes, { is_active: false, disabled_reason: 'disabled_by_user', disabled_at: this.clock.now() });
    }
    await this.subscriptions.update(sub.tenant_id, sub.id, changes);
    return this.get(sub.id);
  }

  /** Soft delete: the row stays so past deliveries keep their subscription. */
  async remove(id: string): Promise<void> {
    const sub = await this.load(id, 'delete');
    const now = this.clock.now();
    await this.subscriptions.update(sub.tenant_id, sub.id, { deleted_at: now, is_active: false, updated_at: now });
  }

  /** New secret at once; the previous one keeps signing (a second signature) until the grace period ends. */
  async rotateSecret(id: string): Promise<SubscriptionWithSecretResponse> {
    const sub = await this.load(id, 'update');
    const secret = generateWebhookSecret();
    const now = this.clock.now();
    const changes = {
      secret_sealed: await this.secrets.seal(sub.tenant_id, secret, secretAad(sub.id)),
      previous_secret_sealed: sub.secret_sealed,
      previous_secret_expires_at: new Date(now.getTime() + this.config.WEBHOOK_SECRET_GRACE_SECONDS * 1000),
      updated_at: now,
    };
    await this.subscriptions.update(sub.tenant_id, sub.id, changes);
    return { ...this.present({ ...sub, ...changes }), secret };
  }

  /**
   * The target URLs of those of `ids` that are subscriptions of tenantId and not deleted, by id (for other domains
   * that reference them: chains check that a step's subscription exists and where its credentials would go).
   */
  async liveTargetUrls(tenantId: TenantId, ids: readonly string[]): Promise<Map<string, string>> {
    const valid = [...new Set(ids.filter((id) => isUuid(id)))];
    if (valid.length === 0) return new Map();
    const rows = await this.db.runInTenant(tenantId, () => this.subscriptions.liveTargets(tenantId, valid));
    return new Map(rows.map((r) => [r.id, r.target_url]));
  }

  /** A live subscription that delivers (for test events): 409 subscription_disabled while it is disabled. */

  async loadSending(id: string): Promise<SubscriptionEntity> {
    const sub = await this.load(id, 'update');
    if (!sub.is_active) throw subscriptionDisabled(sub.disabled_reason);
    return sub;
  }

  /** Loads a live subscription of the acting tenant, or 404. */
  async load(id: string, action: 'read' | 'update' | 'delete'): Promise<SubscriptionEntity> {
    const tenantId = this.access.tenant().id;
    this.access.assert(action, 'Subscription', { tenant_id: tenantId }, 'subscription_not_found');
    const sub = isUuid(id) ? await this.subscriptions.find(tenantId, id) : null;
    if (!sub || sub.deleted_at) throw new WebhookException('subscription_not_found', 'Subscription not found');
    return sub;
  }

  present(s: SubscriptionListRow): SubscriptionResponse {
    return {
      id: s.id,
      tenant_id: s.tenant_id,
      app_name: s.app_name,
      description: s.description,
      target_url: s.target_url,
      event_types: s.event_types,
      subscribed_event: s.event_types[0] ?? '',
      filter: s.filter,
      type: s.type,
      payload_format: s.payload_format,
      // Header values may be credentials: only their names are shown.
      headers: Object.fromEntries(s.header_names.map((name) => [name, HIDDEN])),
      retry_schedule: s.retry_schedule,
      rate_limit_per_second: s.rate_limit_per_second,
      is_active: s.is_active,
      disabled_reason: s.disabled_reason,
      circuit_state: s.circuit_state,
      consecutive_failures: s.consecutive_failures,
      previous_secret_expires_at: s.previous_secret_expires_at?.toISOString() ?? null,
      created_at: s.created_at.toISOString(),
      updated_at: s.updated_at.toISOString(),
    };
  }

  /** `headerNames`: the custom header names the subscription will have (for rules that depend on the type). */
  private validate(dto: SubscriptionFields, headerNames: string[] = Object.keys(dto.headers ?? {})): void {
    if (dto.target_url !== undefined) {
      assertTargetUrl(dto.target_url);
      assertTargetAllowed(dto.target_url, {
        allowLoopback: this.config.OUTBOUND_ALLOW_LOOPBACK,
        allowPrivateNetworks: this.config.OUTBOUND_ALLOW_PRIVATE_NETWORKS,
      });
    }
    if (dto.event_types) assertEventPatterns(dto.event_types);
    if (dto.filter !== undefined && dto.filter !== null) assertValidFilter(dto.filter);
    if (dto.headers) assertCustomHeaders(dto.headers);
    if (dto.type === 'private' && headerNames.some((name) => name.toLowerCase() === 'authorization')) {
      throw new WebhookException(
        'invalid_headers',
        'A private subscription sends its own Authorization header (a bearer token)',
        [{ field: 'headers', message: 'Authorization is set by Conduit on private subscriptions' }],
      );
    }
  }
}

/** Credentials in a URL would be stored and shown in clear: they belong in an Authorization header, which is sealed. */
function assertTargetUrl(raw: string): void {
  const url = URL.canParse(raw) ? new URL(raw) : null;
  if (url && (url.username || url.password)) {
    throw new WebhookException(
      'invalid_target_url',
      'target_url must not contain credentials: send them as an Authorization header (stored encrypted)',
      [{ field: 'target_url', message: 'user:password@ is not allowed' }],
    );
  }
}

/**
 * A target the outbound policy would refuse at every attempt is refused now, where the user sees it (a host name that
 * resolves to such an address can only be judged when sending: its attempts fail with ssrf_blocked).
 */
function assertTargetAllowed(url: string, policy: AddressPolicy): void {
  const refusal = literalTargetRefusal(url, policy);
  if (!refusal) return;
  const reason = describeRefusal(refusal);
  throw new WebhookException('target_not_allowed', `target_url is not allowed: ${reason}`, [
    { field: 'target_url', message: reason },
  ]);
}

function assertCustomHeaders(headers: Record<string, unknown>): void {
  const entries = Object.entries(headers);
  const seen = new Set<string>();
  const problems: string[] = [];
  for (const [name, value] of entries) {
    const nameProblem = headerNameProblem(name, seen);
    if (nameProblem) problems.push(`${name.slice(0, 100)}: ${nameProblem}`);
    else if (typeof value !== 'string' || !isSendableHeaderValue(value))
      problems.push(`${name}: value must be ${HEADER_VALUE_RULE}`);
  }
  if (entries.length > MAX_CUSTOM_HEADERS) problems.push(`at most ${MAX_CUSTOM_HEADERS} headers`);
  if (problems.length > 0) {
    throw new WebhookException(
      'invalid_headers',
      `headers not accepted: ${problems[0]}`,
      problems.map((message) => ({ field: 'headers', message })),
    );
  }
}
