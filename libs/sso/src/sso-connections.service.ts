// A tenant's identity-provider connections: the IdP's settings (from its metadata or given one by one), how its
// attributes and groups map to users and roles (never above the admin's own role), and the connection's SP key pair.
import { Injectable } from '@nestjs/common';
import { AccessService, isRole, roleAtLeast } from '@conduit/access';
import { TenantContext } from '@conduit/database';
import { Clock, CommonException, IdGenerator, Page, decodeCursor, isUuid, toPage } from '@conduit/platform';
import { SecretBox } from '@conduit/secrets';
import {
  CreateSsoConnectionDto,
  ListSsoConnectionsQueryDto,
  MAPPABLE_ROLES,
  MappableRole,
  SsoConnectionResponse,
  UpdateSsoConnectionDto,
} from './dto/sso-connection.dto';
import { AttributeMapping, RoleMapping, SsoConnectionEntity } from './entities/sso-connection.entity';
import { SsoConnectionsRepository } from './repositories/sso-connections.repository';
import { IdpSettings, normalizeCertificate, parseIdpMetadata } from './saml/idp-metadata';
import { samlEndpoints } from './saml/saml-endpoints';
import { generateSpKeyPair } from './saml/sp-key-pair';
import { SsoException, connectionNotFound } from './sso.exception';

/** AAD binding a sealed SP private key to its connection. */
export const spKeyAad = (connectionId: string) => `sso_connection:${connectionId}:sp_private_key`;

const MAX_MAPPED_GROUPS = 200;

type IdpFields = Pick<
  CreateSsoConnectionDto,
  'idp_metadata_xml' | 'idp_entity_id' | 'idp_sso_url' | 'idp_slo_url' | 'idp_certificates'
>;

@Injectable()
export class SsoConnectionsService {
  constructor(
    private readonly db: TenantContext,
    private readonly connections: SsoConnectionsRepository,
    private readonly access: AccessService,
    private readonly secrets: SecretBox,
    private readonly ids: IdGenerator,
    private readonly clock: Clock,
  ) {}

  async create(dto: CreateSsoConnectionDto, base: string): Promise<SsoConnectionResponse> {
    const tenantId = this.access.tenant().id;
    this.access.assert('create', 'SsoConnection', { tenant_id: tenantId });
    const idp = await this.idpSettings(dto, true);
    if (!idp) throw new SsoException('invalid_idp_settings', 'Give idp_metadata_xml, or the idp_* fields');
    const roleMapping = this.roleMapping(dto.role_mapping ?? {});
    const defaultRole = this.defaultRole(dto.default_role ?? null);
    const id = this.ids.next();
    const now = this.clock.now();
    const pair = await generateSpKeyPair(`Conduit SAML SP ${id}`, now);
    const row: SsoConnectionEntity = {
      id,
      tenant_id: tenantId,
      name: dto.name,
      protocol: 'saml',
      idp_entity_id: idp.entityId,
      idp_sso_url: idp.ssoUrl,
      idp_slo_url: idp.sloUrl,
      idp_certificates: idp.certificates,
      attribute_mapping: attributeMapping(dto.attribute_mapping),
      role_mapping: roleMapping,
      default_role: defaultRole,
      jit_provisioning: dto.jit_provisioning ?? false,
      allow_idp_initiated: dto.allow_idp_initiated ?? false,
      enabled: dto.enabled ?? true,
      sp_certificate: pair.certificate,
      sp_private_key_sealed: await this.secrets.seal(tenantId, pair.privateKey, spKeyAad(id), 'control_plane'),
      created_by: this.access.principal().userId,
      created_at: now,
      updated_at: now,
    };
    const inserted = await this.db.runInTenantControlPlane(tenantId, () => this.connections.insert(row));
    if (!inserted) throw nameTaken(dto.name);
    return this.present(row, base);
  }

  async list(query: ListSsoConnectionsQueryDto, base: string): Promise<Page<SsoConnectionResponse>> {
    const tenantId = this.access.tenant().id;
    this.access.assert('read', 'SsoConnection', { tenant_id: tenantId });
    const limit = query.limit ?? 50;
    const cursor = decodeCursor(query.cursor);
    return this.db.runInTenantControlPlane(tenantId, async () =>
      toPage(await this.connections.page(tenantId, { limit, cursor }), limit, (c) => this.present(c, base)),
    );
  }

  async get(id: string, base: string): Promise<SsoConnectionResponse> {
    return this.present(await this.load(id, 'read'), base);
  }

  async update(id: string, dto: UpdateSsoConnectionDto, base: string): Promise<SsoConnectionResponse> {
    const connection = await this.load(id, 'update');
    if (Object.values(dto).every((v) => v === undefined)) {
      throw CommonException.validation('Nothing to update: send at least one field', [
        { field: 'body', message: 'no fields' },
      ]);
    }
    const changes: Partial<SsoConnectionEntity> = { updated_at: this.clock.now() };
    const idp = await this.idpSettings(dto, false);
    if (idp) {
      changes.idp_entity_id = idp.entityId;
      changes.idp_sso_url = idp.ssoUrl;
      changes.idp_slo_url = idp.sloUrl;
      changes.idp_certificates = idp.certificates;
    } else {
      if (dto.idp_entity_id !== undefined) changes.idp_entity_id = dto.idp_entity_id;
      if (dto.idp_sso_url !== undefined) changes.idp_sso_url = dto.idp_sso_url;
      if (dto.idp_slo_url !== undefined) changes.idp_slo_url = dto.idp_slo_url;
      if (dto.idp_certificates !== undefined) changes.idp_certificates = this.certificates(dto.idp_certificates);
    }
    if (dto.name !== undefined) changes.name = dto.name;
    if (dto.attribute_mapping !== undefined) changes.attribute_mapping = attributeMapping(dto.attribute_mapping);
    if (dto.role_mapping !== undefined) changes.role_mapping = this.roleMapping(dto.role_mapping);
    if (dto.default_role !== undefined) changes.default_role = this.defaultRole(dto.default_role);
    if (dto.jit_provisioning !== undefined) changes.jit_provisioning = dto.jit_provisioning;
    if (dto.allow_idp_initiated !== undefined) changes.allow_idp_initiated = dto.allow_idp_initiated;
    if (dto.enabled !== undefined) changes.enabled = dto.enabled;
    const updated = await this.db.runInTenantControlPlane(connection.tenant_id, () =>
      this.connections.update(connection.tenant_id, connection.id, changes),
    );
    if (!updated) throw nameTaken(dto.name ?? connection.name);
    return this.present({ ...connection, ...changes }, base);
  }

  async remove(id: string): Promise<void> {
    const connection = await this.load(id, 'delete');
    await this.db.runInTenantControlPlane(connection.tenant_id, () =>
      this.connections.delete(connection.tenant_id, connection.id),
    );
  }

  private async load(id: string, action: 'read' | 'update' | 'delete'): Promise<SsoConnectionEntity> {
    const tenantId = this.access.tenant().id;
    this.access.assert(action, 'SsoConnection', { tenant_id: tenantId }, 'sso_connection_not_found');
    const connection = isUuid(id)
      ? await this.db.runInTenantControlPlane(tenantId, () => this.connections.find(tenantId, id))
      : null;
    if (!connection) throw connectionNotFound();
    return connection;
  }

  /** From metadata XML or the idp_* fields (all three on create); null when neither is given (an update). */
  private async idpSettings(dto: IdpFields, creating: boolean): Promise<IdpSettings | null> {
    const fields = (['idp_entity_id', 'idp_sso_url', 'idp_slo_url', 'idp_certificates'] as const).filter(
      (f) => dto[f] !== undefined,
    );
    if (dto.idp_metadata_xml !== undefined) {
      if (fields.length > 0) {
        throw new SsoException(
          'invalid_idp_settings',
          `Give either idp_metadata_xml or the idp_* fields, not both (also given: ${fields.join(', ')})`,
          fields.map((field) => ({ field, message: 'not allowed with idp_metadata_xml' })),
        );
      }
      return parseIdpMetadata(dto.idp_metadata_xml);
    }
    if (!creating) return null;
    const missing = (['idp_entity_id', 'idp_sso_url', 'idp_certificates'] as const).filter((f) => !dto[f]);
    if (missing.length > 0) {
      throw new SsoException(
        'invalid_idp_settings',
        `Give idp_metadata_xml, or idp_entity_id, idp_sso_url and idp_certificates (missing: ${missing.join(', ')})`,
        missing.map((field) => ({ field, message: 'required without idp_metadata_xml' })),
      );
    }
    return {
      entityId: dto.idp_entity_id as string,
      ssoUrl: dto.idp_sso_url as string,
      sloUrl: dto.idp_slo_url ?? null,
      certificates: this.certificates(dto.idp_certificates as string[]),
    };
  }

  private certificates(pems: string[]): string[] {
    return [...new Set(pems.map((pem, i) => normalizeCertificate(pem, `idp_certificates[${i}]`)))];
  }

  /** Every group maps to a tenant role no higher than the caller's own. */
  private roleMapping(input: Record<string, string>): RoleMapping {
    const entries = Object.entries(input);
    if (entries.length > MAX_MAPPED_GROUPS) {
      throw new SsoException('invalid_role_mapping', `role_mapping: at most ${MAX_MAPPED_GROUPS} groups`);
    }
    const mapping: RoleMapping = {};
    for (const [group, role] of entries) {
      if (group.length === 0 || group.length > 256) {
        throw new SsoException('invalid_role_mapping', 'role_mapping: group names are 1 to 256 characters', [
          { field: 'role_mapping', message: 'group names are 1 to 256 characters' },
        ]);
      }
      mapping[group] = this.mappableRole(role, `role_mapping.${group}`);
    }
    return mapping;
  }

  private defaultRole(role: string | null): MappableRole | null {
    return role === null ? null : this.mappableRole(role, 'default_role');
  }

  private mappableRole(role: unknown, field: string): MappableRole {
    if (typeof role !== 'string' || !(MAPPABLE_ROLES as readonly string[]).includes(role) || !isRole(role)) {
      throw new SsoException('invalid_role_mapping', `${field}: must be one of ${MAPPABLE_ROLES.join(', ')}`, [
        { field, message: `must be one of ${MAPPABLE_ROLES.join(', ')}` },
      ]);
    }
    const own = this.access.principal().role;
    if (!roleAtLeast(own, role)) {
      throw new SsoException('role_not_allowed', `${field}: you cannot hand out the ${role} role (yours is ${own})`, [
        { field, message: `above your own role (${own})` },
      ]);
    }
    return role as MappableRole;
  }

  present(c: SsoConnectionEntity, base: string): SsoConnectionResponse {
    const endpoints = samlEndpoints(base, c.id);
    return {
      id: c.id,
      tenant_id: c.tenant_id,
      name: c.name,
      protocol: c.protocol,
      idp_entity_id: c.idp_entity_id,
      idp_sso_url: c.idp_sso_url,
      idp_slo_url: c.idp_slo_url,
      idp_certificates: c.idp_certificates,
      attribute_mapping: c.attribute_mapping,
      role_mapping: c.role_mapping,
      default_role: c.default_role,
      jit_provisioning: c.jit_provisioning,
      allow_idp_initiated: c.allow_idp_initiated,
      enabled: c.enabled,
      sp_certificate: c.sp_certificate,
      sp_entity_id: endpoints.entityId,
      acs_url: endpoints.acs,
      slo_url: endpoints.slo,
      login_url: endpoints.login,
      created_at: c.created_at.toISOString(),
      updated_at: c.updated_at.toISOString(),
    };
  }
}

function attributeMapping(dto: CreateSsoConnectionDto['attribute_mapping']): AttributeMapping {
  const mapping: AttributeMapping = {};
  if (dto?.email) mapping.email = dto.email;
  if (dto?.display_name) mapping.display_name = dto.display_name;
  if (dto?.groups) mapping.groups = dto.groups;
  return mapping;
}

const nameTaken = (name: string) =>
  new SsoException('sso_connection_name_taken', `The tenant already has a connection named ${JSON.stringify(name)}`);
