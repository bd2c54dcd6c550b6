// /scim/v2/Users: a tenant's members as SCIM users. userName is the account's email; what an identity provider says
// beyond the membership (externalId, name parts, emails, active) is kept per tenant in scim_users. Every change runs in
// the token's tenant transaction and ends with the member's role and status recomputed (ScimRoleSync).
import { Injectable } from '@nestjs/common';
import { TenantContext } from '@conduit/database';
import { Clock, TenantId, isUuid } from '@conduit/platform';
import { UserAccounts } from '@conduit/tenants';
import {
  GroupRef,
  ScimMemberRow,
  ScimUsersRepository,
  USER_FILTER_ATTRIBUTES,
} from './repositories/scim-users.repository';
import type { ScimCaller } from './scim-caller';
import { ScimError } from './scim-error';
import { filterToSql } from './scim-filter';
import { applyPatch, normalizePatch } from './scim-patch-ops';
import {
  ENTERPRISE_USER_SCHEMA,
  LIST_SCHEMA,
  ScimListResponse,
  ScimUserResource,
  USER_SCHEMA,
  UserInput,
  meta,
  readFilter,
  readPaging,
  readUser,
} from './scim-resources';
import { ScimAudit } from './scim-audit';
import { ScimRoleSync } from './scim-role-sync';
import { ScimTokensService } from './scim-tokens.service';

@Injectable()
export class ScimUsersService {
  constructor(
    private readonly db: TenantContext,
    private readonly users: ScimUsersRepository,
    private readonly accounts: UserAccounts,
    private readonly roles: ScimRoleSync,
    private readonly audit: ScimAudit,
    private readonly tokens: ScimTokensService,
    private readonly clock: Clock,
  ) {}

  location(id: string): string {
    return `${this.tokens.baseUrl()}/Users/${id}`;
  }

  private present(row: ScimMemberRow, groups: GroupRef[]): ScimUserResource {
    const emails =
      row.emails && row.emails.length > 0 ? row.emails : [{ value: row.email, type: 'work', primary: true }];
    return {
      schemas: [USER_SCHEMA],
      id: row.id,
      ...(row.external_id ? { externalId: row.external_id } : {}),
      userName: row.email,
      ...(row.name && Object.keys(row.name).length > 0 ? { name: row.name } : {}),
      ...(row.display_name ? { displayName: row.display_name } : {}),
      emails,
      active: row.scim_active ?? row.status === 'active',
      groups: groups
        .filter((g) => g.user_id === row.id)
        .map((g) => ({ value: g.id, display: g.display_name, $ref: `${this.tokens.baseUrl()}/Groups/${g.id}` })),
      meta: meta('User', this.location(row.id), row.created_at, row.updated_at),
    };
  }

  private async load(tenantId: TenantId, id: string): Promise<ScimMemberRow> {
    const row = isUuid(id) ? await this.users.member(tenantId, id) : undefined;
    if (!row) throw ScimError.notFound('User', id);
    return row;
  }

  private async answer(tenantId: TenantId, id: string): Promise<ScimUserResource> {
    const row = await this.load(tenantId, id);
    return this.present(row, await this.users.groupsOf(tenantId, [id]));
  }

  get(caller: ScimCaller, id: string): Promise<ScimUserResource> {
    return this.db.runInTenantControlPlane(caller.tenantId, () => this.answer(caller.tenantId, id));
  }

  list(caller: ScimCaller, query: Record<string, unknown>): Promise<ScimListResponse<ScimUserResource>> {
    const { startIndex, count } = readPaging(query);
    const filter = readFilter(query);
    // The filter's values are numbered after the tenant ($1).
    const params: unknown[] = [caller.tenantId];
    const where = filter ? filterToSql(filter, USER_FILTER_ATTRIBUTES, params) : null;
    return this.db.runInTenantControlPlane(caller.tenantId, async () => {
      const { rows, total } = await this.users.page(caller.tenantId, where, params.slice(1), startIndex - 1, count);
      const groups = await this.users.groupsOf(
        caller.tenantId,
        rows.map((r) => r.id),
      );
      return {
        schemas: [LIST_SCHEMA],
        totalResults: total,
        itemsPerPage: rows.length,
        startIndex,
        Resources: rows.map((r) => this.present(r, groups)),
      };
    });
  }

  async create(caller: ScimCaller, body: unknown): Promise<ScimUserResource> {
    const input = readUser(body);
    const { tenantId } = caller;
    return this.db.runInTenantControlPlane(tenantId, async () => {
      const rule = await this.roles.rule(caller);
      // Provisioned with the connection's default role (no groups yet); without one, as a viewer kept disabled until a
      // group maps to a role (ScimRoleSync).
      const { userId, created } = await this.accounts.provisionMember(tenantId, {
        email: input.userName,
        role: rule.defaultRole ?? 'viewer',
        displayName: input.displayName,
        source: 'scim',
      });
      if (!created) throw new ScimError(409, 'A user with this userName already exists in this tenant', 'uniqueness');
      await this.save(tenantId, userId, input);
      await this.roles.sync(caller, [userId], rule);
      await this.audit.record(caller, 'scim.user.create', { type: 'User', id: userId }, 201, {
        userName: input.userName,
        active: input.active,
      });
      return this.answer(tenantId, userId);
    });
  }

  replace(caller: ScimCaller, id: string, body: unknown): Promise<ScimUserResource> {
    const input = readUser(body);
    return this.db.runInTenantControlPlane(caller.tenantId, async () => {
      const row = await this.load(caller.tenantId, id);
      return this.apply(caller, row, input, 'scim.user.replace');
    });
  }

  patch(caller: ScimCaller, id: string, body: unknown): Promise<ScimUserResource> {
    const operations = normalizePatch(body);
    return this.db.runInTenantControlPlane(caller.tenantId, async () => {
      const row = await this.load(caller.tenantId, id);
      const current = this.present(row, []);
      const patched = applyPatch({ ...current, schemas: [USER_SCHEMA, ENTERPRISE_USER_SCHEMA] }, operations);
      return this.apply(caller, row, readUser(patched), 'scim.user.patch');
    });
  }

  /** Removes the membership here (the account's other tenants keep theirs), after cutting off its access. */
  async remove(caller: ScimCaller, id: string): Promise<void> {
    const { tenantId } = caller;
    await this.db.runInTenantControlPlane(tenantId, async () => {
      const row = await this.load(tenantId, id);
      if (await this.accounts.removesLastAdmin({ ...row, tenant_id: tenantId }, null))
        throw new ScimError(
          409,
          "This user is the tenant's last active admin; give another user that role before removing this one",
        );
      await this.roles.cutOff(tenantId, id);
      await this.users.forget(tenantId, id);
      await this.accounts.removeMembership(tenantId, id);
      await this.audit.record(caller, 'scim.user.delete', { type: 'User', id }, 204);
    });
  }

  private async apply(
    caller: ScimCaller,
    row: ScimMemberRow,
    input: UserInput,
    action: string,
  ): Promise<ScimUserResource> {
    if (input.userName !== row.email.toLowerCase())
      throw new ScimError(
        400,
        'userName is the account email, which SCIM does not change (it may sign in to other tenants)',
        'mutability',
      );
    const { tenantId } = caller;
    if (input.displayName !== row.display_name)
      await this.accounts.updateMembership(tenantId, row.id, { displayName: input.displayName });
    await this.save(tenantId, row.id, input);
    await this.roles.sync(caller, [row.id]);
    await this.audit.record(caller, action, { type: 'User', id: row.id }, 200, { active: input.active });
    return this.answer(tenantId, row.id);
  }

  private async save(tenantId: TenantId, userId: string, input: UserInput): Promise<void> {
    const now = this.clock.now();
    await this.users.save({
      tenant_id: tenantId,
      user_id: userId,
      external_id: input.externalId,
      name: input.name,
      emails: input.emails,
      active: input.active,
      created_at: now,
      updated_at: now,
    });
  }
}
