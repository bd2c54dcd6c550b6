// A tenant's instances: connections to real deployments of an integration (its own or a shared one), with field
// values checked against the integration's definitions and the secret part (secret fields, credentials) sealed.
import { Injectable } from '@nestjs/common';
import { AccessService } from '@conduit/access';
import { CORE_DATABASE, TenantContext } from '@conduit/database';
import { LicenseQuotas } from '@conduit/licensing';
import { Clock, CommonException, IdGenerator, Page, TenantId, decodeCursor, isUuid, toPage } from '@conduit/platform';
import { SecretBox } from '@conduit/secrets';
import { TenantHierarchy } from '@conduit/tenants';
import { IntegrationEntity } from '../entities/integration.entity';
import { FieldDefinition, FieldProblem, validateValues } from '../fields';
import { IntegrationsException, integrationNotFound } from '../integrations.exception';
import { CatalogueCounters } from '../repositories/catalogue-counters';
import { IntegrationsRepository } from '../repositories/integrations.repository';
import {
  CREDENTIAL_KEYS,
  InstanceSecrets,
  ResolvedAuth,
  baseUrlProblem,
  hostOf,
  mergeValues,
  authCredentialKeys,
  resolveAuth,
  secretsNotResent,
  splitValues,
} from './instance-config';
import {
  CreateInstanceDto,
  InstanceAuthResponse,
  InstanceResponse,
  ListInstancesQueryDto,
  SeedInstanceDto,
  UpdateInstanceDto,
} from './instance.dto';
import { DEFAULT_HEALTH_FAILURE_THRESHOLD, InstanceEntity } from '../entities/instance.entity';
import { InstancesRepository } from '../repositories/instances.repository';
import type { IntegrationDependent } from '../integration-dependents';
import { InstanceUsers } from './instance-users';

const sealAad = (id: string) => `integration_instance:${id}`;

export const instanceNotFound = () => new IntegrationsException('instance_not_found', 'Instance not found');
const titleExists = (title: string) =>
  new IntegrationsException(
    'instance_title_exists',
    `The integration already has an instance titled ${JSON.stringify(title)} in this tenant`,
    [{ field: 'title', message: 'already used by another instance of the integration' }],
  );

/** What a creation needs once its integration is known (the REST body without integration_uuid, or the seed's). */
export type InstanceInput = Omit<CreateInstanceDto, 'integration_uuid'>;

@Injectable()
export class InstancesService {
  constructor(
    private readonly db: TenantContext,
    private readonly instances: InstancesRepository,
    private readonly integrations: IntegrationsRepository,
    private readonly counters: CatalogueCounters,
    private readonly quotas: LicenseQuotas,
    private readonly hierarchy: TenantHierarchy,
    private readonly secrets: SecretBox,
    private readonly access: AccessService,
    private readonly ids: IdGenerator,
    private readonly clock: Clock,
    private readonly users: InstanceUsers,
  ) {}

  /**
   * An imported instance (issue 20): created `inactive` without its secrets, which an export never carries. Every
   * other rule of creation applies; only the secret field values and auth credentials may be missing. Answers the
   * instance and what it still needs before it can be activated (`fields.<name>`, `auth.<credential>`).
   */
  async createStub(
    integrationUuid: string,
    input: InstanceInput,
  ): Promise<{ instance: InstanceResponse; needs_secrets: string[] }> {
    const tenantId = this.writer('create');
    // Of the tenant's own integration, or of one shared with it from above (an MSSP customer's backup restored).
    const owners = (await this.hierarchy.lineage(tenantId)).slice(1);
    return this.db.runInTenant(tenantId, async () => {
      const integration = await this.integrations.find({ tenantId, owners }, integrationUuid);
      if (!integration) throw integrationNotFound();
      await this.assertReferable(integration);
      const instance = await this.createFor(integration, { ...input, status: 'inactive' }, true);
      const values = (input.fields ?? {}) as Record<string, unknown>;
      const missingFields = integration.fields
        .filter((d) => d.type === 'secret' && (values[d.name] === undefined || values[d.name] === null))
        .map((d) => `fields.${d.name}`);
      const held = instance.auth as unknown as Record<string, unknown>;
      const missingCredentials = authCredentialKeys(instance.auth.type)
        .filter((k) => held[k] === undefined)
        .map((k) => `auth.${k}`);
      return { instance, needs_secrets: [...missingFields, ...missingCredentials] };
    });
  }

  /** The integration's live instance titled so (case-insensitively), or null: how an import finds what exists. */
  async findByTitle(integrationUuid: string, title: string): Promise<InstanceResponse | null> {
    const tenantId = this.reader();
    const owners = (await this.hierarchy.lineage(tenantId)).slice(1);
    return this.db.runInTenant(tenantId, async () => {
      const row = await this.instances.findByTitle(tenantId, integrationUuid, title);
      if (!row) return null;
      const integration = await this.integrations.find({ tenantId, owners }, integrationUuid);
      return present(row, credentialsOf(row), integration?.fields ?? []);
    });
  }

  async create(dto: CreateInstanceDto): Promise<InstanceResponse> {
    const tenantId = this.writer('create');
    const owners = (await this.hierarchy.lineage(tenantId)).slice(1);
    return this.db.runInTenant(tenantId, async () => {
      const integration = await this.integrations.find({ tenantId, owners }, dto.integration_uuid);
      if (!integration) throw integrationNotFound();
      await this.assertReferable(integration);
      const { integration_uuid: _uuid, ...input } = dto;
      return this.createFor(integration, input);
    });
  }

  /**
   * The core database keeps its foreign keys to integrations: an instance there cannot point at an integration that a
   * dedicated tenant above shares from its own database (unsupported, docs/dedicated-tenants.md "Shared catalogue
   * across databases"). A dedicated database has no such key: its instances may be of its parents' integrations.
   */
  private async assertReferable(integration: IntegrationEntity): Promise<void> {
    if (!this.db.inCoreDatabase()) return;
    if ((await this.db.databaseKeyOf(integration.tenant_id)) === CORE_DATABASE) return;
    throw new IntegrationsException(
      'shared_integration_in_other_database',
      'This integration is shared from a tenant with a dedicated database: a tenant in the shared database cannot have instances of it',
    );
  }

  /**
   * Creates an instance of an integration the acting tenant sees (already read), inside the caller's transaction:
   * everything is checked before anything is written; the quota is reserved before the insert.
   */
  async createFor(
    integration: IntegrationEntity,
    input: InstanceInput,
    withoutSecrets = false,
  ): Promise<InstanceResponse> {
    const tenantId = this.writer('create');
    return this.db.runInTenant(tenantId, async () => {
      const problems: FieldProblem[] = [];
      const urlProblem = baseUrlProblem(input.base_url);
      if (urlProblem) problems.push({ field: 'base_url', code: 'invalid_format', message: `base_url: ${urlProblem}` });
      const values = (input.fields ?? {}) as Record<string, unknown>;
      // A stub (createStub) may lack its secrets: a secret field is not required, a missing credential not a problem.
      const definitions = withoutSecrets
        ? integration.fields.map((d) => (d.type === 'secret' ? { ...d, required: false } : d))
        : integration.fields;
      problems.push(...prefixed(validateValues(definitions, dropNulls(values))));
      const { auth, problems: authProblems } = resolveAuth(input.auth, null);
      const credentialMissing = (p: FieldProblem) =>
        p.code === 'required' && (CREDENTIAL_KEYS as readonly string[]).some((k) => p.field === `auth.${k}`);
      problems.push(
        ...(withoutSecrets ? authProblems.filter((p) => !credentialMissing(p)) : authProblems),
        ...healthProblems(input.health_check),
      );
      if (problems.length > 0) throw invalidConfig(problems);
      if (await this.instances.titleTaken(tenantId, integration.id, input.title)) throw titleExists(input.title);
      await this.quotas.reserve('instances', tenantId);
      const { plain, secret } = splitValues(integration.fields, dropNulls(values));
      const id = this.ids.next();
      const now = this.clock.now();
      const row: InstanceEntity = {
        id,
        tenant_id: tenantId,
        instance_id: await this.counters.next(tenantId, 'instance'),
        integration_uuid: integration.id,
        integration_id: integration.integration_id,
        title: input.title,
        base_url: input.base_url,
        fields: plain,
        secrets_sealed: await this.seal(tenantId, id, { fields: secret, credentials: auth.credentials }),
        secret_fields: Object.keys(secret),
        auth_type: auth.type,
        auth_settings: auth.settings,
        rate_limit: input.rate_limit ? { max: input.rate_limit.max, per_seconds: input.rate_limit.per_seconds } : null,
        health_check: input.health_check ? healthCheck(input.health_check) : null,
        status: input.status ?? 'active',
        health_status: 'unknown',
        health_failures: 0,
        last_health_check: null,
        last_health_result: null,
        next_health_check_at: input.health_check ? now : null,
        created_by: this.access.principal().userId,
        created_at: now,
        updated_at: now,
        deleted_at: null,
      };
      if (!(await this.instances.insert(row))) throw titleExists(input.title);
      return present(row, Object.keys(auth.credentials), integration.fields);
    });
  }

  /**
   * The seed's add_instance: the integration saved by `save` (created or updated) and an instance of it, in one
   * transaction; the instances quota is checked before the integration is written, and any refusal writes nothing.
   */
  async saveWithInstance<T extends { id: string }>(
    save: () => Promise<T>,
    input: SeedInstanceDto,
  ): Promise<{ saved: T; instance: InstanceResponse }> {
    const tenantId = this.writer('create');
    return this.db.runInTenant(tenantId, async () => {
      await this.quotas.reserve('instances', tenantId);
      const saved = await save();
      const integration = await this.integrations.find({ tenantId, owners: [] }, saved.id);
      if (!integration) throw integrationNotFound();
      const instance = await this.createFor(integration, { ...input, title: input.title ?? integration.title });
      return { saved, instance };
    });
  }

  async list(query: ListInstancesQueryDto): Promise<Page<InstanceResponse>> {
    const tenantId = this.reader();
    const limit = query.limit ?? 50;
    const cursor = decodeCursor(query.cursor);
    const owners = (await this.hierarchy.lineage(tenantId)).slice(1);
    const { rows, definitions } = await this.db.runInTenant(tenantId, async () => {
      const rows = await this.instances.page(
        tenantId,
        { integrationId: query.integration_id, integrationUuid: query.integration_uuid, status: query.status },
        { limit, cursor },
      );
      const ids = [...new Set(rows.map((r) => r.integration_uuid))];
      return { rows, definitions: await this.integrations.definitionsOf({ tenantId, owners }, ids) };
    });
    return toPage(rows, limit, (r) => present(r, credentialsOf(r), definitions.get(r.integration_uuid)));
  }

  async get(id: string): Promise<InstanceResponse> {
    const tenantId = this.reader();
    const owners = (await this.hierarchy.lineage(tenantId)).slice(1);
    return this.db.runInTenant(tenantId, async () => {
      const row = isUuid(id) ? await this.instances.find(tenantId, id) : null;
      if (!row) throw instanceNotFound();
      const definitions = await this.integrations.definitionsOf({ tenantId, owners }, [row.integration_uuid]);
      return present(row, credentialsOf(row), definitions.get(row.integration_uuid));
    });
  }

  async update(id: string, dto: UpdateInstanceDto): Promise<InstanceResponse> {
    const tenantId = this.writer('update');
    if (Object.values(dto).every((v) => v === undefined))
      throw CommonException.validation('Nothing to update: send at least one field', [
        { field: 'body', message: 'no fields' },
      ]);
    const owners = (await this.hierarchy.lineage(tenantId)).slice(1);
    return this.db.runInTenant(tenantId, async () => {
      const row = isUuid(id) ? await this.instances.find(tenantId, id, true) : null;
      if (!row) throw instanceNotFound();
      const stored = await this.open(row);
      const problems: FieldProblem[] = [];
      if (dto.base_url !== undefined) {
        const p = baseUrlProblem(dto.base_url);
        if (p) problems.push({ field: 'base_url', code: 'invalid_format', message: `base_url: ${p}` });
      }
      let plain = row.fields;
      let secretValues = stored.fields;
      const integration = await this.integrations.find({ tenantId, owners }, row.integration_uuid);
      // An instance runs only on an integration the tenant reads: one stopped because its shared integration was
      // withdrawn (deleted, or no longer shared) is not switched on again behind the owner's back.
      if (dto.status !== undefined && dto.status !== 'inactive' && !integration) throw integrationNotFound();
      if (dto.fields !== undefined) {
        if (!integration) throw integrationNotFound();
        const merged = mergeValues({ ...row.fields, ...stored.fields }, dto.fields);
        problems.push(...prefixed(validateValues(integration.fields, merged)));
        ({ plain, secret: secretValues } = splitValues(integration.fields, merged));
      }
      const current: ResolvedAuth = {
        type: row.auth_type,
        settings: row.auth_settings,
        credentials: stored.credentials,
      };
      const { auth, problems: authProblems } = resolveAuth(dto.auth, current);
      problems.push(...authProblems);
      if (dto.health_check) problems.push(...healthProblems(dto.health_check));
      if (problems.length > 0) throw invalidConfig(problems);
      const next: InstanceSecrets = { fields: secretValues, credentials: auth.credentials };
      if (dto.base_url !== undefined && hostOf(dto.base_url) !== hostOf(row.base_url)) {
        const missing = secretsNotResent(next, dto.fields, dto.auth);
        if (missing.length > 0)
          throw new IntegrationsException(
            'secrets_required_for_new_host',
            `base_url moves to another host: send every secret again (${missing.join(', ')})`,
            missing.map((field) => ({ field, message: 'must be sent again with a new host' })),
          );
      }
      const changes: Partial<InstanceEntity> = { updated_at: this.clock.now() };
      if (dto.title !== undefined && dto.title !== row.title) {
        if (await this.instances.titleTaken(tenantId, row.integration_uuid, dto.title, row.id))
          throw titleExists(dto.title);
        changes.title = dto.title;
      }
      if (dto.base_url !== undefined) changes.base_url = dto.base_url;
      if (dto.status !== undefined) changes.status = dto.status;
      if (dto.rate_limit !== undefined)
        changes.rate_limit = dto.rate_limit && { max: dto.rate_limit.max, per_seconds: dto.rate_limit.per_seconds };
      if (dto.health_check !== undefined) {
        changes.health_check = dto.health_check && healthCheck(dto.health_check);
        // A new check (or none) starts over: due at once, no verdict yet.
        changes.next_health_check_at = dto.health_check ? this.clock.now() : null;
        changes.health_failures = 0;
        if (!dto.health_check) changes.health_status = 'unknown';
      }
      if (dto.fields !== undefined || dto.auth !== undefined) {
        changes.fields = plain;
        changes.secret_fields = Object.keys(secretValues);
        changes.auth_type = auth.type;
        changes.auth_settings = auth.settings;
        changes.secrets_sealed = await this.seal(tenantId, row.id, next);
      }
      if (!(await this.instances.update(tenantId, row.id, changes))) throw titleExists(dto.title ?? row.title);
      return present({ ...row, ...changes }, Object.keys(auth.credentials), integration?.fields);
    });
  }

  /**
   * Soft delete: deleted_at set, status inactive; its title is free again. Refused (409 instance_has_dependents)
   * while a registered user (a chain's task step) runs on it, unless force; answers what it left without an instance.
   */
  async remove(id: string, force = false): Promise<IntegrationDependent[]> {
    const tenantId = this.writer('delete');
    return this.db.runInTenant(tenantId, async () => {
      const row = isUuid(id) ? await this.instances.find(tenantId, id, true) : null;
      if (!row) throw instanceNotFound();
      const dependents = await this.users.of(tenantId, row.id);
      if (dependents.length > 0 && !force) {
        throw new IntegrationsException(
          'instance_has_dependents',
          `The instance is still used (${dependents.length}); delete with force=true to leave them without it`,
          this.users.details(dependents),
        );
      }
      const now = this.clock.now();
      await this.instances.update(tenantId, row.id, {
        status: 'inactive',
        deleted_at: now,
        updated_at: now,
        next_health_check_at: null,
      });
      return dependents;
    });
  }

  private writer(action: 'create' | 'update' | 'delete'): TenantId {
    const tenantId = this.access.tenant().id;
    this.access.assert(
      action,
      'Instance',
      { tenant_id: tenantId },
      action === 'create' ? undefined : 'instance_not_found',
    );
    return tenantId;
  }

  private reader(): TenantId {
    const tenantId = this.access.tenant().id;
    this.access.assert('read', 'Instance', { tenant_id: tenantId }, 'instance_not_found');
    return tenantId;
  }

  /**
   * An instance as the task executor needs it, in the caller's tenant transaction: the row (null when it does not
   * exist or is deleted), with its secret field values and credentials opened. Never for responses.
   */
  async openForRun(
    tenantId: TenantId,
    id: string,
  ): Promise<{ instance: InstanceEntity; secrets: InstanceSecrets } | null> {
    const row = isUuid(id) ? await this.instances.find(tenantId, id) : null;
    if (!row) return null;
    return { instance: row, secrets: await this.open(row) };
  }

  /** The secret field values and credentials of an instance row read by the executor. Never for responses. */
  openSecrets(row: InstanceEntity): Promise<InstanceSecrets> {
    return this.open(row);
  }

  /** An instance row of the tenant (not deleted), without its secrets, in the caller's tenant transaction. */
  async row(tenantId: TenantId, id: string): Promise<InstanceEntity | null> {
    return isUuid(id) ? this.instances.find(tenantId, id) : null;
  }

  /** An instance row of the tenant by its number (the seed paths' instance id), in the caller's tenant transaction. */
  async rowByNumber(tenantId: TenantId, instanceNumber: number): Promise<InstanceEntity | null> {
    return Number.isSafeInteger(instanceNumber) && instanceNumber > 0
      ? this.instances.findByNumber(tenantId, instanceNumber)
      : null;
  }

  private async seal(tenantId: TenantId, id: string, secrets: InstanceSecrets): Promise<string | null> {
    if (Object.keys(secrets.fields).length === 0 && Object.keys(secrets.credentials).length === 0) return null;
    return this.secrets.seal(tenantId, JSON.stringify(secrets), sealAad(id));
  }

  private async open(row: InstanceEntity): Promise<InstanceSecrets> {
    if (!row.secrets_sealed) return { fields: {}, credentials: {} };
    return JSON.parse(await this.secrets.open(row.tenant_id, row.secrets_sealed, sealAad(row.id))) as InstanceSecrets;
  }
}

/** The credential keys a stored instance holds: its auth type's (all required, so all set). */
function credentialsOf(row: InstanceEntity): string[] {
  switch (row.auth_type) {
    case 'none':
      return [];
    case 'basic':
      return ['username', 'password'];
    case 'bearer':
      return ['token'];
    case 'api_key':
      return ['key'];
    case 'oauth2_client_credentials':
      return ['client_id', 'client_secret'];
  }
}

/** The row as answered: each secret field (by the integration’s definitions, when known) and credential, set or not. */
function present(
  r: InstanceEntity,
  credentials: readonly string[],
  definitions: readonly FieldDefinition[] = [],
): InstanceResponse {
  const fields: Record<string, unknown> = { ...r.fields };
  for (const d of definitions) if (d.type === 'secret') fields[d.name] = { set: false };
  for (const name of r.secret_fields) fields[name] = { set: true };
  const auth: InstanceAuthResponse = { type: r.auth_type, ...r.auth_settings };
  for (const key of CREDENTIAL_KEYS) if (credentials.includes(key)) auth[key] = { set: true };
  return {
    id: r.id,
    tenant_id: r.tenant_id,
    instance_id: r.instance_id,
    integration_uuid: r.integration_uuid,
    integration_id: r.integration_id,
    title: r.title,
    base_url: r.base_url,
    fields,
    auth,
    rate_limit: r.rate_limit,
    health_check: r.health_check,
    status: r.status,
    health: {
      status: r.health_status,
      consecutive_failures: r.health_failures,
      last_check_at: r.last_health_check ? new Date(r.last_health_check).toISOString() : null,
      last_result: r.last_health_result,
      next_check_at: r.next_health_check_at ? new Date(r.next_health_check_at).toISOString() : null,
    },
    created_by: r.created_by,
    created_at: r.created_at.toISOString(),
    updated_at: r.updated_at.toISOString(),
    deleted_at: r.deleted_at ? r.deleted_at.toISOString() : null,
  };
}

function dropNulls(values: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(values).filter(([, v]) => v !== null));
}

function prefixed(problems: FieldProblem[]): FieldProblem[] {
  return problems.map((p) => ({ ...p, field: `fields.${p.field}`, message: `fields.${p.message}` }));
}

function healthProblems(h: { task_tag?: string; path?: string } | null | undefined): FieldProblem[] {
  if (!h) return [];
  if ((h.task_tag === undefined) === (h.path === undefined))
    return [
      {
        field: 'health_check.task_tag',
        code: 'invalid_value',
        message: 'health_check: either task_tag or path, exactly one',
      },
    ];
  return [];
}

function healthCheck(h: { task_tag?: string; path?: string; interval_seconds: number; failure_threshold?: number }) {
  const common = {
    interval_seconds: h.interval_seconds,
    failure_threshold: h.failure_threshold ?? DEFAULT_HEALTH_FAILURE_THRESHOLD,
  };
  return h.task_tag !== undefined ? { task_tag: h.task_tag, ...common } : { path: h.path, ...common };
}

function invalidConfig(problems: FieldProblem[]): IntegrationsException {
  return new IntegrationsException(
    'invalid_instance_config',
    `Invalid instance: ${problems[0].message}${problems.length > 1 ? ` (and ${problems.length - 1} more)` : ''}`,
    problems.map((p) => ({ field: p.field, message: p.message, code: p.code })),
  );
}
