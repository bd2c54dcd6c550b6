// The SQL behind /scim/v2/Groups: a tenant's SCIM groups and their members (only current members of the tenant).
import { Injectable } from '@nestjs/common';
import { TenantContext, isUniqueViolation } from '@conduit/database';
import type { TenantId } from '@conduit/platform';
import { ScimGroupEntity, ScimGroupMemberEntity } from '../entities/scim-group.entity';
import type { FilterAttributes } from '../scim-filter';

export interface GroupMemberRow {
  group_id: string;
  user_id: string;
  display: string;
}

export const GROUP_FILTER_ATTRIBUTES: FilterAttributes = {
  id: { kind: 'string', sql: 'g.id::text', caseExact: true },
  displayname: { kind: 'string', sql: 'g.display_name' },
  externalid: { kind: 'string', sql: 'g.external_id', caseExact: true },
  members: {
    kind: 'multi',
    values: 'SELECT gm.user_id::text FROM scim_group_members gm WHERE gm.group_id = g.id',
    caseExact: true,
  },
  'members.value': {
    kind: 'multi',
    values: 'SELECT gm.user_id::text FROM scim_group_members gm WHERE gm.group_id = g.id',
    caseExact: true,
  },
  'meta.created': { kind: 'datetime', sql: 'g.created_at' },
  'meta.lastmodified': { kind: 'datetime', sql: 'g.updated_at' },
};

@Injectable()
export class ScimGroupsRepository {
  constructor(private readonly db: TenantContext) {}

  private repo() {
    return this.db.coreEm.getRepository(ScimGroupEntity);
  }

  /** False when the tenant has a group of this display name already (any letter case). */
  async insert(group: ScimGroupEntity): Promise<boolean> {
    try {
      await this.db.coreInsert(ScimGroupEntity, group);
      return true;
    } catch (err) {
      if (isUniqueViolation(err, 'scim_groups_tenant_name_key')) return false;
      throw err;
    }
  }

  find(tenantId: TenantId, id: string): Promise<ScimGroupEntity | null> {
    return this.repo().findOne({ where: { id, tenant_id: tenantId } });
  }

  /** False when another group of the tenant has the new display name. */
  async update(
    tenantId: TenantId,
    id: string,
    changes: Pick<ScimGroupEntity, 'display_name' | 'external_id' | 'updated_at'>,
  ): Promise<boolean> {
    try {
      await this.repo().update({ id, tenant_id: tenantId }, changes);
      return true;
    } catch (err) {
      if (isUniqueViolation(err, 'scim_groups_tenant_name_key')) return false;
      throw err;
    }
  }

  async delete(tenantId: TenantId, id: string): Promise<void> {
    await this.repo().delete({ id, tenant_id: tenantId });
  }

  async page(
    tenantId: TenantId,
    where: string | null,
    params: unknown[],
    offset: number,
    limit: number,
  ): Promise<{ rows: ScimGroupEntity[]; total: number }> {
    const condition = `g.tenant_id = $1${where ? ` AND ${where}` : ''}`;
    const [count] = (await this.db.coreEm.query(`SELECT count(*)::int AS n FROM scim_groups g WHERE ${condition}`, [
      tenantId,
      ...params,
    ])) as { n: number }[];
    const n = params.length + 1;
    const rows =
      limit === 0
        ? []
        : ((await this.db.coreEm.query(
            `SELECT g.* FROM scim_groups g WHERE ${condition} ORDER BY g.created_at, g.id OFFSET $${n + 1} LIMIT $${n + 2}`,
            [tenantId, ...params, offset, limit],
          )) as ScimGroupEntity[]);
    return { rows, total: count?.n ?? 0 };
  }

  /** The members of these groups who are members of the tenant, with a name to show. */
  members(tenantId: TenantId, groupIds: string[]): Promise<GroupMemberRow[]> {
    if (groupIds.length === 0) return Promise.resolve([]);
    return this.db.coreEm.query(
      `SELECT gm.group_id, gm.user_id, coalesce(m.display_name, u.email) AS display
        FROM scim_group_members gm JOIN memberships m ON m.tenant_id = gm.tenant_id AND m.user_id = gm.user_id
        JOIN users u ON u.id = gm.user_id
        WHERE gm.tenant_id = $1 AND gm.group_id = ANY($2::uuid[]) ORDER BY gm.created_at, gm.user_id`,
      [tenantId, groupIds],
    ) as Promise<GroupMemberRow[]>;
  }

  async addMembers(tenantId: TenantId, groupId: string, userIds: string[], at: Date): Promise<void> {
    if (userIds.length === 0) return;
    await this.db.coreEm
      .getRepository(ScimGroupMemberEntity)
      .createQueryBuilder()
      .insert()
      .values(userIds.map((user_id) => ({ group_id: groupId, user_id, tenant_id: tenantId, created_at: at })))
      .orIgnore()
      .execute();
  }

  async removeMembers(tenantId: TenantId, groupId: string, userIds: string[]): Promise<void> {
    if (userIds.length === 0) return;
    await this.db.coreEm.query(
      `DELETE FROM scim_group_members WHERE tenant_id = $1 AND group_id = $2 AND user_id = ANY($3::uuid[])`,
      [tenantId, groupId, userIds],
    );
  }

  /** The display names of the user's SCIM groups in the tenant. */
  async namesOf(tenantId: TenantId, userId: string): Promise<string[]> {
    const rows = (await this.db.coreEm.query(
      `SELECT g.display_name FROM scim_group_members gm JOIN scim_groups g ON g.id = gm.group_id
        WHERE gm.tenant_id = $1 AND gm.user_id = $2`,
      [tenantId, userId],
    )) as { display_name: string }[];
    return rows.map((r) => r.display_name);
  }
}
