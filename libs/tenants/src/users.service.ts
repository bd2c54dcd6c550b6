import { Injectable } from '@nestjs/common';
import { AccessService, ROLES, Role, roleAtLeast } from '@conduit/access';
import { TenantContext } from '@conduit/database';
import { Clock, decodeCursor, isUuid, Page, PasswordHasher, TenantId, toPage } from '@conduit/platform';
import { CreateUserDto, ListUsersQueryDto, UpdateUserDto, UserResponse } from './dto/user.dto';
import { MembershipEntity } from './entities/membership.entity';
import { UserEntity } from './entities/user.entity';
import { TenantException } from './tenant.exception';
import { UserAccounts } from './user-accounts';

interface MemberRow {
  id: string;
  email: string;
  display_name: string | null;
  status: UserEntity['status'];
  last_login_at: Date | null;
  created_at: Date;
  updated_at: Date;
  role: Role;
  tenant_id: TenantId;
}

function presentUser(row: MemberRow): UserResponse {
  return {
    id: row.id,
    email: row.email,
    display_name: row.display_name,
    role: row.role,
    tenant_id: row.tenant_id,
    status: row.status,
    last_login_at: row.last_login_at ? row.last_login_at.toISOString() : null,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}

const MEMBER_SELECT = `SELECT u.id, u.email, u.display_name, u.status, u.last_login_at, u.created_at, u.updated_at, m.role, m.tenant_id
  FROM memberships m JOIN users u ON u.id = m.user_id`;

/** Users of the acting tenant (a user is a global identity; membership gives it a role in one tenant). */
@Injectable()
export class UsersService {
  constructor(
    private readonly db: TenantContext,
    private readonly access: AccessService,
    private readonly hasher: PasswordHasher,
    private readonly accounts: UserAccounts,
    private readonly clock: Clock,
  ) {}

  async create(dto: CreateUserDto): Promise<UserResponse> {
    const tenantId = this.access.tenant().id;
    this.access.assert('create', 'User', { tenant_id: tenantId });
    this.assertMayGrant(dto.role);
    const user = await this.accounts.createMember(tenantId, {
      email: dto.email,
      password: dto.password,
      role: dto.role,
      displayName: dto.display_name,
    });
    return presentUser({ ...user, role: dto.role, tenant_id: tenantId });
  }

  async list(query: ListUsersQueryDto): Promise<Page<UserResponse>> {
    const tenantId = this.access.tenant().id;
    this.access.assert('read', 'User', { tenant_id: tenantId });
    const limit = query.limit ?? 50;
    const cursor = decodeCursor(query.cursor);
    const params: unknown[] = [tenantId, limit + 1];
    let where = 'm.tenant_id = $1';
    if (query.role) {
      params.push(query.role);
      where += ` AND m.role = $${params.length}`;
    }
    if (cursor) {
      params.push(cursor.created_at, cursor.id);
      where += ` AND (u.created_at, u.id) < ($${params.length - 1}::timestamptz, $${params.length}::uuid)`;
    }
    const rows = (await this.db.em.query(
      `${MEMBER_SELECT} WHERE ${where} ORDER BY u.created_at DESC, u.id DESC LIMIT $2`,
      params,
    )) as MemberRow[];
    return toPage(rows, limit, presentUser);
  }

  async get(id: string): Promise<UserResponse> {
    return presentUser(await this.loadMember(id, 'read'));
  }

  async update(id: string, dto: UpdateUserDto): Promise<UserResponse> {
    const member = await this.loadMember(id, 'update');
    const { principal } = this.access.identity();
    if (!roleAtLeast(principal.role, member.role)) {
      throw new TenantException('role_not_allowed', 'You cannot change a user whose role is above yours');
    }
    const role = dto.role !== undefined && dto.role !== member.role ? dto.role : undefined;
    const status = dto.status !== undefined && dto.status !== member.status ? dto.status : undefined;
    if (principal.userId === id && role)
      throw new TenantException('cannot_change_own_role', 'You cannot change your own role');
    if (principal.userId === id && status)
      throw new TenantException('cannot_change_own_status', 'You cannot change your own status');
    if (role) this.assertMayGrant(role);
    if (role || status)
      await this.assertAdminRemains(member, {
        role: role ?? member.role,
        active: (status ?? member.status) === 'active',
      });
    const now = this.clock.now();
    const userChanges: Partial<UserEntity> = { updated_at: now };
    if (dto.display_name !== undefined) userChanges.display_name = dto.display_name;
    if (status) userChanges.status = status;
    if (dto.password !== undefined) userChanges.password_hash = await this.hasher.hash(dto.password);
    await this.db.em.getRepository(UserEntity).update({ id }, userChanges);
    if (role) {
      await this.db.em
        .getRepository(MembershipEntity)
        .update({ tenant_id: member.tenant_id, user_id: id }, { role, updated_at: now });
    }
    return this.get(id);
  }

  /** Removes the membership; a user left with no tenant is deleted outright. */
  async remove(id: string): Promise<void> {
    const member = await this.loadMember(id, 'delete');
    const { principal } = this.access.identity();
    if (principal.userId === id) throw new TenantException('cannot_remove_self', 'You cannot remove yourself');
    if (!roleAtLeast(principal.role, member.role)) {
      throw new TenantException('role_not_allowed', 'You cannot remove a user whose role is above yours');
    }
    await this.assertAdminRemains(member, null);
    await this.db.em.getRepository(MembershipEntity).delete({ tenant_id: member.tenant_id, user_id: id });
    // RLS hides other tenants' memberships; the user-id setting makes this user's own visible to the count.
    const others = await this.db.withSettings({ 'app.user_id': id }, async () => {
      const [row] = (await this.db.em.query(`SELECT count(*)::int AS n FROM memberships WHERE user_id = $1`, [id])) as {
        n: number;
      }[];
      return row?.n ?? 0;
    });
    if (others === 0) await this.db.em.getRepository(UserEntity).delete({ id });
  }

  /**
   * A tenant always keeps an active holder of its highest admin role (tenant_admin or above; platform_admin in the
   * platform tenant): refuses to demote, disable or remove (`after` null) the last one. Changes to one tenant's
   * admins are serialized, so two admins demoting each other at once cannot both succeed.
   */
  private async assertAdminRemains(member: MemberRow, after: { role: Role; active: boolean } | null): Promise<void> {
    if (member.status !== 'active' || !roleAtLeast(member.role, 'tenant_admin')) return;
    if (after && after.active && roleAtLeast(after.role, member.role)) return;
    await this.db.em.query(`SELECT pg_advisory_xact_lock(hashtextextended('conduit:tenant-admins:' || $1, 0))`, [
      member.tenant_id,
    ]);
    const [row] = (await this.db.em.query(
      `SELECT count(*)::int AS n FROM memberships m JOIN users u ON u.id = m.user_id
        WHERE m.tenant_id = $1 AND m.user_id <> $2 AND u.status = 'active' AND m.role = ANY($3)`,
      [member.tenant_id, member.id, ROLES.filter((r) => roleAtLeast(r, member.role))],
    )) as { n: number }[];
    if (!row || row.n === 0) {
      throw new TenantException(
        'last_admin',
        `This is the tenant's last active ${member.role}; give another user that role first`,
      );
    }
  }

  private assertMayGrant(role: Role): void {
    const { principal } = this.access.identity();
    if (!roleAtLeast(principal.role, role)) {
      throw new TenantException('role_not_allowed', `You cannot grant the ${role} role`);
    }
  }

  private async loadMember(id: string, action: 'read' | 'update' | 'delete'): Promise<MemberRow> {
    const tenantId = this.access.tenant().id;
    this.access.assert(action, 'User', { tenant_id: tenantId }, 'user_not_found');
    if (!isUuid(id)) throw new TenantException('user_not_found', 'User not found');
    const [row] = (await this.db.em.query(`${MEMBER_SELECT} WHERE m.tenant_id = $1 AND u.id = $2`, [
      tenantId,
      id,
    ])) as MemberRow[];
    if (!row) throw new TenantException('user_not_found', 'User not found');
    return row;
  }
}
