import { Injectable } from '@nestjs/common';
import { TenantContext } from '@conduit/database';
import { AccessService, Role, roleAtLeast } from '@conduit/access';
import { Clock, Page, PasswordHasher, decodeCursor, isUuid, toPage } from '@conduit/platform';
import { CreateUserDto, ListUsersQueryDto, UpdateUserDto, UserResponse } from './dto/user.dto';
import { MemberRow, UsersRepository } from './repositories/users.repository';
import { TenantException } from './tenant.exception';
import { UserAccounts } from './user-accounts';

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

/** Users of the acting tenant (a user is a global identity; membership gives it a role in one tenant). */
@Injectable()
export class UsersService {
  constructor(
    private readonly db: TenantContext,
    private readonly users: UsersRepository,
    private readonly access: AccessService,
    private readonly hasher: PasswordHasher,
    private readonly accounts: UserAccounts,
    private readonly clock: Clock,
  ) {}

  // Users and memberships are control plane: each method runs in the core database whatever the acting tenant's
  // isolation (runInTenantControlPlane; inside a shared tenant's request, in its transaction as before).
  create(dto: CreateUserDto): Promise<UserResponse> {
    return this.db.runInTenantControlPlane(this.access.tenant().id, () => this.createIn(dto));
  }

  list(query: ListUsersQueryDto): Promise<Page<UserResponse>> {
    return this.db.runInTenantControlPlane(this.access.tenant().id, () => this.listIn(query));
  }

  get(id: string): Promise<UserResponse> {
    return this.db.runInTenantControlPlane(this.access.tenant().id, () => this.getIn(id));
  }

  update(id: string, dto: UpdateUserDto): Promise<UserResponse> {
    return this.db.runInTenantControlPlane(this.access.tenant().id, () => this.updateIn(id, dto));
  }

  remove(id: string): Promise<void> {
    return this.db.runInTenantControlPlane(this.access.tenant().id, () => this.removeIn(id));
  }

  private async createIn(dto: CreateUserDto): Promise<UserResponse> {
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

  private async listIn(query: ListUsersQueryDto): Promise<Page<UserResponse>> {
    const tenantId = this.access.tenant().id;
    this.access.assert('read', 'User', { tenant_id: tenantId });
    const limit = query.limit ?? 50;
    const cursor = decodeCursor(query.cursor);
    const rows = await this.users.page(tenantId, query.role, { limit, cursor });
    return toPage(rows, limit, presentUser);
  }

  private async getIn(id: string): Promise<UserResponse> {
    return presentUser(await this.loadMember(id, 'read'));
  }

  private async updateIn(id: string, dto: UpdateUserDto): Promise<UserResponse> {
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
    // Name and status are this tenant's membership's: the account and the person's other memberships are untouched.
    const changed = await this.accounts.updateMembership(member.tenant_id, id, {
      ...(role ? { role } : {}),
      ...(status ? { status } : {}),
      ...(dto.display_name !== undefined ? { displayName: dto.display_name } : {}),
    });
    if (!changed) throw new TenantException('user_not_found', 'User not found');
    if (dto.password !== undefined) {
      // The password belongs to the account, which may be a member of other tenants too: a tenant admin sets it only
      // for an account that is a member of this tenant alone; otherwise it is ignored (the same 200 either way, so
      // the answer does not tell that the account exists elsewhere) and the person keeps their own password.
      const hash = await this.hasher.hash(dto.password);
      if (principal.userId === id || (await this.users.membershipCount(id)) <= 1)
        await this.users.updateUser(id, { password_hash: hash, updated_at: this.clock.now() });
    }
    return this.getIn(id);
  }

  /** Removes the membership; a user left with no tenant is deleted outright. */
  private async removeIn(id: string): Promise<void> {
    const member = await this.loadMember(id, 'delete');
    const { principal } = this.access.identity();
    if (principal.userId === id) throw new TenantException('cannot_remove_self', 'You cannot remove yourself');
    if (!roleAtLeast(principal.role, member.role)) {
      throw new TenantException('role_not_allowed', 'You cannot remove a user whose role is above yours');
    }
    await this.assertAdminRemains(member, null);
    await this.users.removeMembership(member.tenant_id, id);
    // RLS hides other tenants' memberships; the count sees this user's own in every tenant.
    if ((await this.users.membershipCount(id)) === 0) await this.users.deleteUser(id);
  }

  /**
   * A tenant always keeps an active holder of its highest admin role (tenant_admin or above; platform_admin in the
   * platform tenant): refuses to demote, disable or remove (`after` null) the last one. Changes to one tenant's
   * admins are serialized, so two admins demoting each other at once cannot both succeed.
   */
  private async assertAdminRemains(member: MemberRow, after: { role: Role; active: boolean } | null): Promise<void> {
    if (await this.accounts.removesLastAdmin(member, after)) {
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
    const row = await this.users.member(tenantId, id);
    if (!row) throw new TenantException('user_not_found', 'User not found');
    return row;
  }
}
