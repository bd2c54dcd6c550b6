// The SQL over users and memberships (control-plane identities; a membership gives a user one role in one tenant and
// is tenant-owned: RLS shows the acting tenant's, or one user's own through the app.user_id lookup policy). Always in
// the core database (coreEm: the caller's control-plane transaction); callers have decided who may read or write.
import { Injectable } from '@nestjs/common';
import { Role, TenantRef } from '@conduit/access';
import { PageRequest, TenantContext, isUniqueViolation } from '@conduit/database';
import type { TenantId } from '@conduit/platform';
import { MembershipEntity } from '../entities/membership.entity';
import { UserEntity } from '../entities/user.entity';

/** A user as a member of one tenant: the name, status and last sign-in are the membership's (this tenant's say). */
export interface MemberRow {
  id: string;
  email: string;
  display_name: string | null;
  status: MembershipEntity['status'];
  last_login_at: Date | null;
  created_at: Date;
  updated_at: Date;
  role: Role;
  tenant_id: TenantId;
}

/** A membership with what deciding whether it may act needs: the user's and the tenant's standing. */
export interface Membership {
  userId: string;
  email: string;
  /** The account's status (an operator disabling the person everywhere). */
  userStatus: 'active' | 'disabled';
  /** This tenant's membership status: a disabled membership cannot act here; the person's others are untouched. */
  memberStatus: 'active' | 'disabled';
  role: Role;
  tenant: TenantRef & { deleted: boolean };
}

/** A membership as the statements that read one select it (MEMBERSHIP_SELECT's columns). */
export interface MembershipRow {
  user_id: string;
  email: string;
  user_status: 'active' | 'disabled';
  member_status: 'active' | 'disabled';
  role: Role;
  tenant_id: TenantId;
  code: string;
  name: string;
  status: TenantRef['status'];
  parent_id: TenantId | null;
  deleted_at: Date | null;
}

// A tenant sees its membership's dates, never the account's (which would tell that it was created elsewhere, earlier).
// Name, status and last sign-in are the membership's: what this tenant decided and saw, never another tenant's.
const MEMBER_SELECT = `SELECT u.id, u.email, m.display_name, m.status, m.last_login_at, m.created_at, m.updated_at, m.role, m.tenant_id
  FROM memberships m JOIN users u ON u.id = m.user_id`;

const MEMBERSHIP_SELECT = `SELECT u.id AS user_id, u.email, u.status AS user_status, m.status AS member_status, m.role, t.id AS tenant_id, t.code, t.name,
  t.status, t.parent_id, t.deleted_at, m.created_at
  FROM memberships m JOIN users u ON u.id = m.user_id JOIN tenants t ON t.id = m.tenant_id`;

export function toMembership(r: MembershipRow): Membership {
  return {
    userId: r.user_id,
    email: r.email,
    userStatus: r.user_status,
    memberStatus: r.member_status,
    role: r.role,
    tenant: {
      id: r.tenant_id,
      code: r.code,
      name: r.name,
      status: r.status,
      parent_id: r.parent_id,
      deleted: r.deleted_at !== null,
    },
  };
}

@Injectable()
export class UsersRepository {
  constructor(private readonly db: TenantContext) {}

  findByEmail(email: string): Promise<UserEntity | null> {
    return this.db.coreEm
      .getRepository(UserEntity)
      .createQueryBuilder('u')
      .where('lower(u.email) = :email', { email: email.toLowerCase() })
      .getOne();
  }

  /** False when the email is taken (two creates with one email at once: the unique index decides). */
  async insertUser(user: UserEntity): Promise<boolean> {
    try {
      await this.db.coreInsert(UserEntity, user);
      return true;
    } catch (err) {
      if (isUniqueViolation(err, 'users_email_key')) return false;
      throw err;
    }
  }

  /** False when the user is already a member of the tenant (two adds at once: the unique index decides). */
  async insertMembership(membership: MembershipEntity): Promise<boolean> {
    try {
      await this.db.coreInsert(MembershipEntity, membership);
      return true;
    } catch (err) {
      if (isUniqueViolation(err, 'memberships_tenant_user_key')) return false;
      throw err;
    }
  }

  async updateUser(id: string, changes: Partial<UserEntity>): Promise<void> {
    await this.db.coreEm.getRepository(UserEntity).update({ id }, changes);
  }

  async deleteUser(id: string): Promise<void> {
    await this.db.coreEm.getRepository(UserEntity).delete({ id });
  }

  /** The tenant's members, newest first, optionally of one role. */
  async page(tenantId: TenantId, role: Role | undefined, { limit, cursor }: PageRequest): Promise<MemberRow[]> {
    const params: unknown[] = [tenantId, limit + 1];
    let where = 'm.tenant_id = $1';
    if (role) {
      params.push(role);
      where += ` AND m.role = $${params.length}`;
    }
    if (cursor) {
      params.push(cursor.created_at, cursor.id);
      where += ` AND (m.created_at, u.id) < ($${params.length - 1}::timestamptz, $${params.length}::uuid)`;
    }
    return (await this.db.coreEm.query(
      `${MEMBER_SELECT} WHERE ${where} ORDER BY m.created_at DESC, u.id DESC LIMIT $2`,
      params,
    )) as MemberRow[];
  }

  async member(tenantId: TenantId, userId: string): Promise<MemberRow | undefined> {
    const [row] = (await this.db.coreEm.query(`${MEMBER_SELECT} WHERE m.tenant_id = $1 AND u.id = $2`, [
      tenantId,
      userId,
    ])) as MemberRow[];
    return row;
  }

  /** Sets the membership's role when given, and its updated_at (what the tenant sees as the user's). */
  async updateMembership(tenantId: TenantId, userId: string, role: Role | undefined, now: Date): Promise<void> {
    await this.db.coreEm
      .getRepository(MembershipEntity)
      .update({ tenant_id: tenantId, user_id: userId }, { ...(role ? { role } : {}), updated_at: now });
  }

  /** Applies changes to the tenant's membership of the user; false when there is none. */
  async changeMembership(tenantId: TenantId, userId: string, changes: Partial<MembershipEntity>): Promise<boolean> {
    const result = await this.db.coreEm
      .getRepository(MembershipEntity)
      .update({ tenant_id: tenantId, user_id: userId }, changes);
    return (result.affected ?? 0) > 0;
  }

  async removeMembership(tenantId: TenantId, userId: string): Promise<void> {
    await this.db.coreEm.getRepository(MembershipEntity).delete({ tenant_id: tenantId, user_id: userId });
  }

  /** How many memberships the user has in any tenant (visible through the user-id lookup policy). */
  membershipCount(userId: string): Promise<number> {
    return this.db.withSettings({ 'app.user_id': userId }, async () => {
      const [row] = (await this.db.coreEm.query(`SELECT count(*)::int AS n FROM memberships WHERE user_id = $1`, [
        userId,
      ])) as { n: number }[];
      return row?.n ?? 0;
    });
  }

  /** Serializes changes to one tenant's admins for the rest of the transaction. */
  async lockAdmins(tenantId: TenantId): Promise<void> {
    await this.db.coreEm.query(`SELECT pg_advisory_xact_lock(hashtextextended('conduit:tenant-admins:' || $1, 0))`, [
      tenantId,
    ]);
  }

  /** Members of the tenant other than userId holding one of `roles` who can act (membership and account active). */
  async countOtherActive(tenantId: TenantId, userId: string, roles: Role[]): Promise<number> {
    const [row] = (await this.db.coreEm.query(
      `SELECT count(*)::int AS n FROM memberships m JOIN users u ON u.id = m.user_id
        WHERE m.tenant_id = $1 AND m.user_id <> $2 AND m.status = 'active' AND u.status = 'active' AND m.role = ANY($3)`,
      [tenantId, userId, roles],
    )) as { n: number }[];
    return row?.n ?? 0;
  }

  /** The email of a member of the tenant with this role, if there is one. */
  async anyEmailWithRole(tenantId: TenantId, role: Role): Promise<string | undefined> {
    const rows = (await this.db.coreEm.query(
      `SELECT u.email FROM memberships m JOIN users u ON u.id = m.user_id
        WHERE m.tenant_id = $1 AND m.role = $2 LIMIT 1`,
      [tenantId, role],
    )) as { email: string }[];
    return rows[0]?.email;
  }

  /** All of a user's memberships, oldest first (visible through the user-id lookup policy). */
  memberships(userId: string): Promise<Membership[]> {
    return this.db.withSettings({ 'app.user_id': userId }, async () => {
      const rows = (await this.db.coreEm.query(
        `${MEMBERSHIP_SELECT} WHERE m.user_id = $1 ORDER BY m.created_at, m.id`,
        [userId],
      )) as MembershipRow[];
      return rows.map(toMembership);
    });
  }

  /** The user's membership in the tenant the caller's transaction is scoped to. */
  async membership(userId: string, tenantId: TenantId): Promise<Membership | null> {
    const [row] = (await this.db.coreEm.query(`${MEMBERSHIP_SELECT} WHERE m.user_id = $1 AND m.tenant_id = $2`, [
      userId,
      tenantId,
    ])) as MembershipRow[];
    return row ? toMembership(row) : null;
  }
}
