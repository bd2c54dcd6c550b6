// A tenant's integrations: definitions with their configuration fields, numbered per tenant, counted by the licence,
// with a logo; plus the shared catalogue of the tenants above (read-only here).
import { Injectable } from '@nestjs/common';
import { AccessService } from '@conduit/access';
import { TenantContext } from '@conduit/database';
import { LicenseQuotas } from '@conduit/licensing';
import { Clock, CommonException, IdGenerator, Page, TenantId, decodeCursor, isUuid, toPage } from '@conduit/platform';
import { TenantHierarchy } from '@conduit/tenants';
import {
  CreateIntegrationDto,
  IntegrationResponse,
  ListIntegrationsQueryDto,
  UpdateIntegrationDto,
} from './dto/integration.dto';
import { IntegrationEntity } from './entities/integration.entity';
import { FieldDefinition, checkFields } from './fields';
import { IntegrationDependent, IntegrationDependents } from './integration-dependents';
import { DescendantInstances, LossReason } from './instances/descendant-instances';
import { IntegrationsException, integrationNotFound, nameExists } from './integrations.exception';
import { DEFAULT_LOGO, LogoContent, acceptLogo } from './logos/logo-content';
import { CatalogueCounters } from './repositories/catalogue-counters';
import { CatalogueReader, IntegrationsRepository } from './repositories/integrations.repository';

export const logoUrl = (id: string) => `/api/v1/integrations/${id}/logo`;

@Injectable()
export class IntegrationsService {
  constructor(
    private readonly db: TenantContext,
    private readonly integrations: IntegrationsRepository,
    private readonly counters: CatalogueCounters,
    private readonly quotas: LicenseQuotas,
    private readonly hierarchy: TenantHierarchy,
    private readonly dependents: IntegrationDependents,
    private readonly descendants: DescendantInstances,
    private readonly access: AccessService,
    private readonly ids: IdGenerator,
    private readonly clock: Clock,
  ) {}

  /** Creates an integration in the acting tenant (optionally with its logo, already accepted). */
  async create(dto: CreateIntegrationDto, logo?: LogoContent): Promise<IntegrationResponse> {
    const tenantId = this.access.tenant().id;
    this.access.assert('create', 'Integration', { tenant_id: tenantId });
    const fields = definitions(dto.fields ?? []);
    return this.db.runInTenant(tenantId, async () => {
      if (await this.integrations.titleTaken(tenantId, dto.title)) throw nameExists(dto.title);
      await this.quotas.reserve('integrations', tenantId);
      const now = this.clock.now();
      const row: IntegrationEntity = {
        id: this.ids.next(),
        tenant_id: tenantId,
        integration_id: await this.counters.next(tenantId, 'integration'),
        title: dto.title,
        description: dto.description ?? '',
        version: dto.version ?? '1.0',
        category: dto.category ?? '',
        status: dto.status ?? 'active',
        fields,
        metadata: dto.metadata ?? {},
        shared: dto.shared ?? false,
        generic_app: dto.generic_app ?? true,
        ...logoColumns(logo ?? null),
        created_by: this.access.principal().userId,
        created_at: now,
        updated_at: now,
        deleted_at: null,
      };
      if (!(await this.integrations.insert(row))) throw nameExists(dto.title);
      return this.present(row, tenantId);
    });
  }

  /** The acting tenant's own integration titled so (case-insensitively), or null: how an import finds what exists. */
  async findOwnByTitle(title: string): Promise<IntegrationResponse | null> {
    const reader = await this.reader('read');
    const row = await this.db.runInTenant(reader.tenantId, () =>
      this.integrations.findOwnByTitle(reader.tenantId, title),
    );
    return row ? this.present(row, reader.tenantId) : null;
  }

  async list(query: ListIntegrationsQueryDto): Promise<Page<IntegrationResponse>> {
    const reader = await this.reader('read');
    const limit = query.limit ?? 50;
    const cursor = decodeCursor(query.cursor);
    const rows = await this.db.runInTenant(reader.tenantId, () =>
      this.integrations.page(reader, { status: query.status, category: query.category, q: query.q }, { limit, cursor }),
    );
    return toPage(rows, limit, (r) => this.present(r, reader.tenantId));
  }

  async get(id: string): Promise<IntegrationResponse> {
    const reader = await this.reader('read');
    return this.present(await this.find(reader, id), reader.tenantId);
  }

  /** `force`: stop sharing it even though tenants below use it (their instances of it are deactivated). */
  async update(id: string, dto: UpdateIntegrationDto, logo?: LogoContent, force = false): Promise<IntegrationResponse> {
    const reader = await this.reader('update');
    return this.db.runInTenant(reader.tenantId, async () => {
      const row = isUuid(id) ? await this.integrations.findOwn(reader.tenantId, id) : null;
      if (!row) throw await this.notOwned(reader, id);
      return this.applyUpdate(row, dto, logo, force);
    });
  }

  /** The seed's update by integration_id (the tenant's sequence number). */
  async updateBySeq(
    integrationId: number,
    dto: UpdateIntegrationDto,
    logo?: LogoContent,
  ): Promise<IntegrationResponse> {
    const reader = await this.reader('update');
    return this.db.runInTenant(reader.tenantId, async () => {
      const row = await this.integrations.findOwnBySeq(reader.tenantId, integrationId);
      if (!row) throw integrationNotFound();
      return this.applyUpdate(row, dto, logo);
    });
  }

  private async applyUpdate(
    row: IntegrationEntity,
    dto: UpdateIntegrationDto,
    logo?: LogoContent,
    force = false,
  ): Promise<IntegrationResponse> {
    if (Object.values(dto).every((v) => v === undefined) && !logo) {
      throw CommonException.validation('Nothing to update: send at least one field', [
        { field: 'body', message: 'no fields' },
      ]);
    }
    const changes: Partial<IntegrationEntity> = { updated_at: this.clock.now() };
    if (dto.fields !== undefined) changes.fields = definitions(dto.fields);
    if (dto.title !== undefined && dto.title !== row.title) {
      if (await this.integrations.titleTaken(row.tenant_id, dto.title, row.id)) throw nameExists(dto.title);
      changes.title = dto.title;
    }
    for (const key of ['description', 'version', 'category', 'status', 'metadata', 'shared', 'generic_app'] as const)
      if (dto[key] !== undefined) (changes as Record<string, unknown>)[key] = dto[key];
    if (logo) Object.assign(changes, logoColumns(logo));
    // Tenants below lose it when it stops being shared: refused while they use it, unless force (then they stop).
    // After the checks above, so a refused change never stops them (a dedicated child's stop commits on its own).
    if (row.shared && dto.shared === false)
      await this.releaseDescendants(row, force, 'integration_unshared', 'stop sharing it');
    if (!(await this.integrations.update(row.tenant_id, row.id, changes))) throw nameExists(dto.title ?? row.title);
    const { logo: _bytes, ...updated } = { ...row, ...changes };
    return this.present(updated, row.tenant_id);
  }

  /** Soft delete: status deleted. Refused (409 integration_has_dependents) while something uses it, unless force. */
  async remove(
    id: string,
    force = false,
  ): Promise<{ integration: IntegrationResponse; dependents: IntegrationDependent[] }> {
    const reader = await this.reader('delete');
    return this.db.runInTenant(reader.tenantId, async () => {
      const row = isUuid(id) ? await this.integrations.findOwn(reader.tenantId, id) : null;
      if (!row) throw await this.notOwned(reader, id);
      return this.softDelete(row, force);
    });
  }

  async removeBySeq(
    integrationId: number,
    force = false,
  ): Promise<{ integration: IntegrationResponse; dependents: IntegrationDependent[] }> {
    const reader = await this.reader('delete');
    return this.db.runInTenant(reader.tenantId, async () => {
      const row = await this.integrations.findOwnBySeq(reader.tenantId, integrationId);
      if (!row) throw integrationNotFound();
      return this.softDelete(row, force);
    });
  }

  private async softDelete(
    row: IntegrationEntity,
    force: boolean,
  ): Promise<{ integration: IntegrationResponse; dependents: IntegrationDependent[] }> {
    const ref = { tenantId: row.tenant_id, id: row.id, integrationId: row.integration_id };
    const own = await this.dependents.of(ref);
    // Also when it is no longer shared: instances made while it was, before un-sharing stopped them, still run.
    const below = await this.descendants.of(ref);
    const dependents = [...own, ...below];
    if (dependents.length > 0 && !force) throw hasDependents(dependents, 'delete');
    await this.dependents.beforeDelete(ref);
    if (below.length > 0) await this.descendants.deactivate(ref, below, 'integration_deleted');
    const now = this.clock.now();
    const changes: Partial<IntegrationEntity> = { status: 'deleted', deleted_at: now, updated_at: now };
    await this.integrations.update(row.tenant_id, row.id, changes);
    return { integration: this.present({ ...row, ...changes }, row.tenant_id), dependents };
  }

  /** Refuses (409) while tenants below use the integration, unless force; with force their instances stop. */
  private async releaseDescendants(
    row: IntegrationEntity,
    force: boolean,
    reason: LossReason,
    action: string,
  ): Promise<void> {
    const ref = { tenantId: row.tenant_id, id: row.id, integrationId: row.integration_id };
    const below = await this.descendants.of(ref);
    if (below.length === 0) return;
    if (!force) throw hasDependents(below, action);
    await this.descendants.deactivate(ref, below, reason);
  }

  async setLogo(id: string, body: Buffer): Promise<IntegrationResponse> {
    const reader = await this.reader('update');
    // Checked before anything is read: a refused logo writes nothing.
    const logo = await acceptLogo(body);
    return this.db.runInTenant(reader.tenantId, async () => {
      const row = isUuid(id) ? await this.integrations.findOwn(reader.tenantId, id) : null;
      if (!row) throw await this.notOwned(reader, id);
      return this.applyUpdate(row, {}, logo);
    });
  }

  /** The integration's logo, or the default one; anyone who may read the integration may read it. */
  async logo(id: string): Promise<LogoContent> {
    const reader = await this.reader('read');
    const row = await this.find(reader, id);
    if (!row.logo_sha256) return DEFAULT_LOGO;
    const stored = await this.db.runInTenant(reader.tenantId, () => this.integrations.logo(reader, row.id));
    return stored ?? DEFAULT_LOGO;
  }

  /** Active integrations the acting tenant sees, its own and shared ones (the seed's integration-name list). */
  async activeCatalogue(tenantId: TenantId): Promise<IntegrationResponse[]> {
    const reader = await this.readerOf(tenantId, 'read');
    const rows = await this.db.runInTenant(tenantId, () => this.integrations.active(reader));
    return rows.map((r) => this.present(r, tenantId));
  }

  private async reader(action: 'read' | 'update' | 'delete'): Promise<CatalogueReader> {
    return this.readerOf(this.access.tenant().id, action);
  }

  private async readerOf(tenantId: TenantId, action: 'read' | 'update' | 'delete'): Promise<CatalogueReader> {
    this.access.assert(action, 'Integration', { tenant_id: tenantId }, 'integration_not_found');
    // The tenants above (lineage runs from the tenant up to its root): whose shared integrations this one reads.
    const owners = action === 'read' ? (await this.hierarchy.lineage(tenantId)).slice(1) : [];
    return { tenantId, owners };
  }

  private async find(reader: CatalogueReader, id: string): Promise<IntegrationEntity> {
    const row = isUuid(id)
      ? await this.db.runInTenant(reader.tenantId, () => this.integrations.find(reader, id))
      : null;
    if (!row) throw integrationNotFound();
    return row;
  }

  /** 403 integration_not_owned when the id is a shared integration the tenant reads, else 404. */
  private async notOwned(reader: CatalogueReader, id: string): Promise<IntegrationsException> {
    if (!isUuid(id)) return integrationNotFound();
    const readable = await this.readerOf(reader.tenantId, 'read');
    const shared = await this.integrations.find(readable, id);
    return shared
      ? new IntegrationsException('integration_not_owned', 'Only the tenant that shares this integration changes it')
      : integrationNotFound();
  }

  present(r: IntegrationEntity, actingTenant: TenantId): IntegrationResponse {
    return {
      id: r.id,
      tenant_id: r.tenant_id,
      integration_id: r.integration_id,
      title: r.title,
      description: r.description,
      version: r.version,
      category: r.category,
      status: r.status,
      fields: r.fields,
      metadata: r.metadata,
      shared: r.shared,
      generic_app: r.generic_app,
      shared_from: r.tenant_id === actingTenant ? null : r.tenant_id,
      logo:
        r.logo_content_type && r.logo_sha256 && r.logo_size !== null
          ? { content_type: r.logo_content_type, size: r.logo_size, sha256: r.logo_sha256 }
          : null,
      logo_url: logoUrl(r.id),
      // A shared entry's author is a user of another tenant: not shown below it.
      created_by: r.tenant_id === actingTenant ? r.created_by : null,
      created_at: r.created_at.toISOString(),
      updated_at: r.updated_at.toISOString(),
    };
  }
}

/** 409 integration_has_dependents, one detail per dependent (descendants' entries name their tenant). */
function hasDependents(dependents: IntegrationDependent[], action: string): IntegrationsException {
  return new IntegrationsException(
    'integration_has_dependents',
    `The integration is still used (${dependents.length}); ${action} with force to mark them inactive`,
    dependents.map((d) => ({
      message: 'instances' in d ? `${String(d.instances)} instance(s) in ${d.name}` : `${d.kind} ${d.name}`,
      ...d,
    })),
  );
}

/** Checked field definitions, or 400 invalid_field_definition naming every problem. */
function definitions(input: unknown): FieldDefinition[] {
  const { definitions: defs, problems } = checkFields(input);
  if (problems.length > 0) {
    throw new IntegrationsException(
      'invalid_field_definition',
      `Invalid field definition: ${problems[0].message}${problems.length > 1 ? ` (and ${problems.length - 1} more)` : ''}`,
      problems.map((p) => ({ field: `fields.${p.field}`, message: p.message, code: p.code })),
    );
  }
  return defs;
}

function logoColumns(
  logo: LogoContent | null,
): Pick<IntegrationEntity, 'logo' | 'logo_content_type' | 'logo_sha256' | 'logo_size'> {
  return {
    logo: logo?.body ?? null,
    logo_content_type: logo?.content_type ?? null,
    logo_sha256: logo?.sha256 ?? null,
    logo_size: logo?.body.length ?? null,
  };
}
