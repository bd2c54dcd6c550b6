// The SQL behind /scim/v2/Users: a tenant's members (memberships joined with users, RLS in the caller's control-plane
// transaction, in the core database: coreEm) with what the identity provider said about them (scim_users) and their
// SCIM groups.
import { Injectable } from '@nestjs/common';
import type { Role } from '@conduit/access';
import { TenantContext } from '@conduit/database';
import type { TenantId } from '@conduit/platform';
import { ScimEmail, ScimName, ScimUserEntity } from '../entities/scim-user.entity';
import type { FilterAttributes } from '../scim-filter';

/** A member of the tenant as SCIM shows it. */
export interface ScimMemberRow {
  id: string;
  email: string;
  display_name: string | null;
  status: 'active' | 'disabled';
  role: Role;
  created_at: Date;
  updated_at: Date;
  external_id: string | null;
  name: ScimName | null;
  emails: ScimEmail[] | null;
  scim_active: boolean | null;
}

export interface GroupRef {
  user_id: string;
  id: string;
  display_name: string;
}

// This tenant's dates (the membership's, or the SCIM row's when later), never the account's.
const SELECT = `SELECT u.id, u.email, m.display_name, m.status, m.role, m.created_at,
    greatest(m.updated_at, coalesce(s.updated_at, m.updated_at)) AS updated_at,
    s.external_id, s.name, s.emails, s.active AS scim_active
  FROM memberships m JOIN users u ON u.id = m.user_id
  LEFT JOIN scim_users s ON s.tenant_id = m.tenant_id AND s.user_id = m.user_id`;

const EMAILS = `jsonb_array_elements(coalesce(s.emails, '[]'::jsonb))`;

/** The attributes a Users filter may name. */
export const USER_FILTER_ATTRIBUTES: FilterAttributes = {
  id: { kind: 'string', sql: 'u.id::text', caseExact: true },
  username: { kind: 'string', sql: 'u.email' },
  externalid: { kind: 'string', sql: 's.external_id', caseExact: true },
  displayname: { kind: 'string', sql: 'm.display_name' },
  'name.givenname': { kind: 'string', sql: `s.name->>'givenName'` },
  'name.familyname': { kind: 'string', sql: `s.name->>'familyName'` },
  'name.formatted': { kind: 'string', sql: `s.name->>'formatted'` },
  active: { kind: 'boolean', sql: `coalesce(s.active, m.status = 'active')` },
  emails: { kind: 'multi', values: `SELECT u.email UNION SELECT e->>'value' FROM ${EMAILS} e` },
  'emails.value': { kind: 'multi', values: `SELECT u.email UNION SELECT e->>'value' FROM ${EMAILS} e` },
  'emails.type': { kind: 'multi', values: `SELECT e->>'type' FROM ${EMAILS} e` },
  'meta.created': { kind: 'datetime', sql: 'm.created_at' },
  'meta.lastmodified': { kind: 'datetime', sql: 'greatest(m.updated_at, coalesce(s.updated_at, m.updated_at))' },
};

@Injectable()
export class ScimUsersRepository {
  constructor(private readonly db: TenantContext) {}

  async member(tenantId: TenantId, userId: string): Promise<ScimMemberRow | undefined> {
    const [row] = (await this.db.coreEm.query(`${SELECT} WHERE m.tenant_id = $1 AND m.user_id = $2`, [
      tenantId,
      userId,
    ])) as ScimMemberRow[];
    return row;
  }

  /** The page of members matching `where` (over params after $1, the tenant), oldest first, and how many match. */
  async page(
    tenantId: TenantId,
    where: string | null,
    params: unknown[],
    offset: number,
    limit: number,
  ): Promise<{ rows: ScimMemberRow[]; total: number }> {
    const condition = `m.tenant_id = $1${where ? ` AND ${where}` : ''}`;
    const [count] = (await this.db.coreEm.query(`SELECT count(*)::int AS n FROM (${SELECT} WHERE ${condition}) AS f`, [
      tenantId,
      ...params,
    ])) as { n: number }[];
    const n = params.length + 1;
    const rows =
      limit === 0
        ? []
        : ((await this.db.coreEm.query(
            `${SELECT} WHERE ${condition} ORDER BY m.created_at, u.id OFFSET $${n + 1} LIMIT $${n + 2}`,
            [tenantId, ...params, offset, limit],
          )) as ScimMemberRow[]);
    return { rows, total: count?.n ?? 0 };
  }

  /** The SCIM groups of these users in the tenant. */
  groupsOf(tenantId: TenantId, userIds: string[]): Promise<GroupRef[]> {
    if (userIds.length === 0) return Promise.resolve([]);
    return this.db.coreEm.query(
      `SELECT gm.user_id, g.id, g.display_name FROM scim_group_members gm JOIN scim_groups g ON g.id = gm.group_id
        WHERE gm.tenant_id = $1 AND gm.user_id = ANY($2::uuid[]) ORDER BY g.display_name, g.id`,
      [tenantId, userIds],
    ) as Promise<GroupRef[]>;
  }

  async save(row: ScimUserEntity): Promise<void> {
    await this.db.coreEm
      .getRepository(ScimUserEntity)
      .createQueryBuilder()
      .insert()
      .values(row)
      .orUpdate(['external_id', 'name', 'emails', 'active', 'updated_at'], ['tenant_id', 'user_id'])
      .execute();
  }

  /** Forgets what SCIM held about the user in the tenant (its row and group memberships). */
  async forget(tenantId: TenantId, userId: string): Promise<void> {
    await this.db.coreEm.query(`DELETE FROM scim_group_members WHERE tenant_id = $1 AND user_id = $2`, [
      tenantId,
      userId,
    ]);
    await this.db.coreEm.query(`DELETE FROM scim_users WHERE tenant_id = $1 AND user_id = $2`, [tenantId, userId]);
  }

  /** Which of these ids are members of the tenant. */
  async members(tenantId: TenantId, userIds: string[]): Promise<Set<string>> {
    if (userIds.length === 0) return new Set();
    const rows = (await this.db.coreEm.query(
      `SELECT user_id FROM memberships WHERE tenant_id = $1 AND user_id = ANY($2::uuid[])`,
      [tenantId, userIds],
    )) as { user_id: string }[];
    return new Set(rows.map((r) => r.user_id));
  }
}
