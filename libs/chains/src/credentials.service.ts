// Tenant credentials for chain templates: sealed with the tenant's data key, never returned, masked in audit rows.
// The service writes its own audit rows: the request body carries the clear value under a key audit masking does not
// recognise, so the generic request audit is turned off for these routes.
import { Injectable } from '@nestjs/common';
import { AccessService } from '@conduit/access';
import { AuditLog } from '@conduit/audit';
import { Clock, IdGenerator, Page, decodeCursor, isUuid, toPage } from '@conduit/platform';
import { SecretBox } from '@conduit/secrets';
import { ChainException } from './chain.exception';
import { formatAllowedHost, parseAllowedHost } from './credential-hosts';
import {
  CreateCredentialDto,
  CredentialResponse,
  ListCredentialsQueryDto,
  UpdateCredentialDto,
} from './dto/credential.dto';
import { CredentialEntity } from './entities/credential.entity';
import { presentCredential } from './presenters';
import { CredentialsRepository } from './repositories/credentials.repository';

export const credentialAad = (credentialId: string) => `credential:${credentialId}:value`;

/** Where a request came from, for the audit row. */
export interface CredentialAuditMeta {
  ip?: string | null;
  userAgent?: string | null;
  requestId?: string | null;
}

@Injectable()
export class CredentialsService {
  constructor(
    private readonly credentials: CredentialsRepository,
    private readonly access: AccessService,
    private readonly secrets: SecretBox,
    private readonly audit: AuditLog,
    private readonly ids: IdGenerator,
    private readonly clock: Clock,
  ) {}

  async create(dto: CreateCredentialDto, meta: CredentialAuditMeta): Promise<CredentialResponse> {
    const tenantId = this.access.tenant().id;
    this.access.assert('create', 'Credential', { tenant_id: tenantId });
    const allowedHosts = canonicalAllowedHosts(dto.allowed_hosts);
    const now = this.clock.now();
    const id = this.ids.next();
    const row: CredentialEntity = {
      id,
      tenant_id: tenantId,
      name: dto.name,
      description: dto.description ?? null,
      value_sealed: await this.secrets.seal(tenantId, dto.value, credentialAad(id)),
      allowed_hosts: allowedHosts,
      created_by: this.access.principal().label,
      created_at: now,
      updated_at: now,
    };
    if (!(await this.credentials.insertUnlessNameTaken(row))) {
      throw new ChainException('credential_name_taken', `A credential named ${dto.name} already exists`, [
        { field: 'name', message: 'taken' },
      ]);
    }
    await this.record('credential.create', row, meta, {
      name: dto.name,
      description: dto.description ?? null,
      allowed_hosts: allowedHosts,
      value: '[REDACTED]',
    });
    return presentCredential(row);
  }

  async list(query: ListCredentialsQueryDto): Promise<Page<CredentialResponse>> {
    const tenantId = this.access.tenant().id;
    this.access.assert('read', 'Credential', { tenant_id: tenantId });
    const limit = query.limit ?? 50;
    const cursor = decodeCursor(query.cursor);
    return toPage(await this.credentials.page(tenantId, { limit, cursor }), limit, presentCredential);
  }

  async get(id: string): Promise<CredentialResponse> {
    return presentCredential(await this.load(id, 'read'));
  }

  /** A new value (rotation), description and/or allowed_hosts; steps that run afterwards use the new ones. */
  async update(id: string, dto: UpdateCredentialDto, meta: CredentialAuditMeta): Promise<CredentialResponse> {
    const row = await this.load(id, 'update');
    const changes: Partial<CredentialEntity> = { updated_at: this.clock.now() };
    if (dto.allowed_hosts !== undefined) changes.allowed_hosts = canonicalAllowedHosts(dto.allowed_hosts);
    if (dto.description !== undefined) changes.description = dto.description;
    if (dto.value !== undefined)
      changes.value_sealed = await this.secrets.seal(row.tenant_id, dto.value, credentialAad(row.id));
    await this.credentials.update(row.tenant_id, row.id, changes);
    const updated = { ...row, ...changes };
    await this.record('credential.update', updated, meta, {
      ...(dto.description !== undefined ? { description: dto.description } : {}),
      ...(changes.allowed_hosts !== undefined ? { allowed_hosts: changes.allowed_hosts } : {}),
      ...(dto.value !== undefined ? { value: '[REDACTED]' } : {}),
    });
    return presentCredential(updated);
  }

  async remove(id: string, meta: CredentialAuditMeta): Promise<void> {
    const row = await this.load(id, 'delete');
    await this.credentials.delete(row.tenant_id, row.id);
    await this.record('credential.delete', row, meta, null);
  }

  private async load(id: string, action: 'read' | 'update' | 'delete'): Promise<CredentialEntity> {
    const tenantId = this.access.tenant().id;
    this.access.assert(action, 'Credential', { tenant_id: tenantId }, 'credential_not_found');
    const row = isUuid(id) ? await this.credentials.find(tenantId, id) : null;
    if (!row) throw new ChainException('credential_not_found', 'Credential not found');
    return row;
  }

  private async record(
    action: string,
    row: CredentialEntity,
    meta: CredentialAuditMeta,
    changes: Record<string, unknown> | null,
  ): Promise<void> {
    const { principal } = this.access.identity();
    await this.audit.record({
      tenantId: row.tenant_id,
      action,
      outcome: 'success',
      actor: { type: principal.kind, id: principal.id, label: principal.label },
      target: { type: 'Credential', id: row.id },
      statusCode: action === 'credential.create' ? 201 : action === 'credential.delete' ? 204 : 200,
      ip: meta.ip,
      userAgent: meta.userAgent,
      requestId: meta.requestId,
      changes,
      metadata: principal.homeTenantId !== row.tenant_id ? { home_tenant_id: principal.homeTenantId } : null,
    });
  }
}

/** The entries in canonical form, duplicates dropped; 400 invalid_allowed_host naming every entry that is not one. */
function canonicalAllowedHosts(entries: readonly string[]): string[] {
  const canonical = new Set<string>();
  const problems: { field: string; message: string }[] = [];
  entries.forEach((raw, i) => {
    const parsed = parseAllowedHost(raw);
    if ('problem' in parsed) problems.push({ field: `allowed_hosts[${i}]`, message: `${show(raw)} ${parsed.problem}` });
    else canonical.add(formatAllowedHost(parsed));
  });
  const [first] = problems;
  if (first) throw new ChainException('invalid_allowed_host', `allowed_hosts: ${first.message}`, problems);
  return [...canonical];
}

function show(raw: string): string {
  return JSON.stringify(raw.length > 100 ? `${raw.slice(0, 100)}…` : raw);
}
