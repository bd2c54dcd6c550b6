// /scim/v2/Groups: the identity provider's groups in the tenant. A group's display name is what the token's SSO
// connection maps to a role; every change of a group's name or members recomputes the roles of the members it touched.
import { Injectable } from '@nestjs/common';
import { TenantContext } from '@conduit/database';
import { Clock, IdGenerator, TenantId, isUuid } from '@conduit/platform';
import { ScimGroupEntity } from './entities/scim-group.entity';
import { GROUP_FILTER_ATTRIBUTES, GroupMemberRow, ScimGroupsRepository } from './repositories/scim-groups.repository';
import { ScimUsersRepository } from './repositories/scim-users.repository';
import { ScimAudit } from './scim-audit';
import type { ScimCaller } from './scim-caller';
import { ScimError } from './scim-error';
import { filterToSql } from './scim-filter';
import { applyPatch, normalizePatch } from './scim-patch-ops';
import {
  GROUP_SCHEMA,
  GroupInput,
  LIST_SCHEMA,
  ScimGroupResource,
  ScimListResponse,
  excludes,
  meta,
  readFilter,
  readGroup,
  readPaging,
} from './scim-resources';
import { ScimRoleSync } from './scim-role-sync';
import { ScimTokensService } from './scim-tokens.service';

const taken = () => new ScimError(409, 'A group with this displayName already exists in this tenant', 'uniqueness');

@Injectable()
export class ScimGroupsService {
  constructor(
    private readonly db: TenantContext,
    private readonly groups: ScimGroupsRepository,
    private readonly users: ScimUsersRepository,
    private readonly roles: ScimRoleSync,
    private readonly audit: ScimAudit,
    private readonly tokens: ScimTokensService,
    private readonly ids: IdGenerator,
    private readonly clock: Clock,
  ) {}

  private present(group: ScimGroupEntity, members: GroupMemberRow[] | null): ScimGroupResource {
    const base = this.tokens.baseUrl();
    return {
      schemas: [GROUP_SCHEMA],
      id: group.id,
      ...(group.external_id ? { externalId: group.external_id } : {}),
      displayName: group.display_name,
      ...(members
        ? {
            members: members
              .filter((m) => m.group_id === group.id)
              .map((m) => ({ value: m.user_id, display: m.display, $ref: `${base}/Users/${m.user_id}` })),
          }
        : {}),
      meta: meta('Group', `${base}/Groups/${group.id}`, group.created_at, group.updated_at),
    };
  }

  private async load(tenantId: TenantId, id: string): Promise<ScimGroupEntity> {
    const group = isUuid(id) ? await this.groups.find(tenantId, id) : null;
    if (!group) throw ScimError.notFound('Group', id);
    return group;
  }

  private async answer(tenantId: TenantId, id: string, withMembers = true): Promise<ScimGroupResource> {
    const group = await this.load(tenantId, id);
    return this.present(group, withMembers ? await this.groups.members(tenantId, [id]) : null);
  }

  get(caller: ScimCaller, id: string, query: Record<string, unknown>): Promise<ScimGroupResource> {
    return this.db.runInTenantControlPlane(caller.tenantId, () =>
      this.answer(caller.tenantId, id, !excludes(query, 'members')),
    );
  }

  list(caller: ScimCaller, query: Record<string, unknown>): Promise<ScimListResponse<ScimGroupResource>> {
    const { startIndex, count } = readPaging(query);
    const filter = readFilter(query);
    const params: unknown[] = [caller.tenantId];
    const where = filter ? filterToSql(filter, GROUP_FILTER_ATTRIBUTES, params) : null;
    const withMembers = !excludes(query, 'members');
    return this.db.runInTenantControlPlane(caller.tenantId, async () => {
      const { rows, total } = await this.groups.page(caller.tenantId, where, params.slice(1), startIndex - 1, count);
      const members = withMembers
        ? await this.groups.members(
            caller.tenantId,
            rows.map((g) => g.id),
          )
        : null;
      return {
        schemas: [LIST_SCHEMA],
        totalResults: total,
        itemsPerPage: rows.length,
        startIndex,
        Resources: rows.map((g) => this.present(g, members)),
      };
    });
  }

  create(caller: ScimCaller, body: unknown): Promise<ScimGroupResource> {
    const input = readGroup(body);
    const { tenantId } = caller;
    return this.db.runInTenantControlPlane(tenantId, async () => {
      await this.assertMembers(tenantId, input.members);
      const now = this.clock.now();
      const group: ScimGroupEntity = {
        id: this.ids.next(),
        tenant_id: tenantId,
        display_name: input.displayName,
        external_id: input.externalId,
        created_at: now,
        updated_at: now,
      };
      if (!(await this.groups.insert(group))) throw taken();
      await this.groups.addMembers(tenantId, group.id, input.members, now);
      await this.roles.sync(caller, input.members);
      await this.audit.record(caller, 'scim.group.create', { type: 'Group', id: group.id }, 201, {
        displayName: input.displayName,
        members_added: input.members,
      });
      return this.answer(tenantId, group.id);
    });
  }

  replace(caller: ScimCaller, id: string, body: unknown): Promise<ScimGroupResource> {
    const input = readGroup(body);
    return this.db.runInTenantControlPlane(caller.tenantId, async () => {
      const group = await this.load(caller.tenantId, id);
      return this.apply(caller, group, input, 'scim.group.replace');
    });
  }

  patch(caller: ScimCaller, id: string, body: unknown): Promise<ScimGroupResource> {
    const operations = normalizePatch(body);
    return this.db.runInTenantControlPlane(caller.tenantId, async () => {
      const group = await this.load(caller.tenantId, id);
      // Members as the patch sees them: always an array, so a remove by filter on an empty group is a no-op.
      const current = this.present(group, await this.groups.members(caller.tenantId, [id]));
      const resource = { ...current, members: (current.members ?? []).map((m) => ({ value: m.value })) };
      const patched = applyPatch(resource, operations);
      return this.apply(caller, group, readGroup(patched), 'scim.group.patch');
    });
  }

  async remove(caller: ScimCaller, id: string): Promise<void> {
    const { tenantId } = caller;
    await this.db.runInTenantControlPlane(tenantId, async () => {
      await this.load(tenantId, id);
      const members = (await this.groups.members(tenantId, [id])).map((m) => m.user_id);
      await this.groups.delete(tenantId, id);
      await this.roles.sync(caller, members);
      await this.audit.record(caller, 'scim.group.delete', { type: 'Group', id }, 204);
    });
  }

  private async apply(
    caller: ScimCaller,
    group: ScimGroupEntity,
    input: GroupInput,
    action: string,
  ): Promise<ScimGroupResource> {
    const { tenantId } = caller;
    await this.assertMembers(tenantId, input.members);
    const now = this.clock.now();
    const before = new Set((await this.groups.members(tenantId, [group.id])).map((m) => m.user_id));
    const after = new Set(input.members);
    const added = [...after].filter((u) => !before.has(u));
    const removed = [...before].filter((u) => !after.has(u));
    const renamed = input.displayName !== group.display_name;
    const updated = await this.groups.update(tenantId, group.id, {
      display_name: input.displayName,
      external_id: input.externalId,
      updated_at: now,
    });
    if (!updated) throw taken();
    await this.groups.addMembers(tenantId, group.id, added, now);
    await this.groups.removeMembers(tenantId, group.id, removed);
    // A new name may map to another role: every member is affected, else only those who came or went.
    await this.roles.sync(caller, renamed ? [...before, ...added] : [...added, ...removed]);
    await this.audit.record(caller, action, { type: 'Group', id: group.id }, 200, {
      displayName: input.displayName,
      members_added: added,
      members_removed: removed,
    });
    return this.answer(tenantId, group.id);
  }

  /** Every member must be a user of this tenant (nothing is written otherwise). */
  private async assertMembers(tenantId: TenantId, userIds: string[]): Promise<void> {
    const notId = userIds.find((u) => !isUuid(u));
    if (notId !== undefined)
      throw ScimError.badRequest(
        'invalidValue',
        `members: ${String(notId).slice(0, 100)} is not a user of this tenant`,
      );
    const known = await this.users.members(tenantId, userIds);
    const unknown = userIds.find((u) => !known.has(u));
    if (unknown) throw ScimError.badRequest('invalidValue', `members: ${unknown} is not a user of this tenant`);
  }
}
