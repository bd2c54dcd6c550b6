// The one place that creates users, finds them by email and reads their memberships (users is a control-plane table),
// for this lib and for auth (login, tokens, identity-provider tokens).
import { Injectable } from '@nestjs/common';
import { ROLES, Role, roleAtLeast } from '@conduit/access';
import { SystemContext, TenantContext } from '@conduit/database';
import { Clock, IdGenerator, PasswordHasher, TenantId, isUuid } from '@conduit/platform';
import type { MembershipSource, MembershipStatus } from './entities/membership.entity';
import { UserEntity } from './entities/user.entity';
import { Membership, UsersRepository } from './repositories/users.repository';
import { CreationChecks } from './creation-checks';
import { TenantException } from './tenant.exception';

/** A user as the tenant that created the membership is answered (no password hash). */
export type MemberView = Omit<UserEntity, 'password_hash'>;

/** A person provisioned by an identity provider (JIT at a first SSO sign-in, or SCIM): no password here. */
export interface ProvisionedMember {
  email: string;
  role: Role;
  displayName?: string | null;
  source: Exclude<MembershipSource, 'local'>;
}

/** What a tenant may change about its membership (never the account's other memberships or its password). */
export interface MembershipChanges {
  role?: Role;
  status?: MembershipStatus;
  displayName?: string | null;
}

export interface NewMember {
  email: string;
  password: string;
  role: Role;
  displayName?: string | null;
}

@Injectable()
export class UserAccounts {
  constructor(
    private readonly db: TenantContext,
    private readonly system: SystemContext,
    private readonly users: UsersRepository,
    private readonly hasher: PasswordHasher,
    private readonly ids: IdGenerator,
    private readonly clock: Clock,
    private readonly checks: CreationChecks,
  ) {}

  findByEmail(email: string): Promise<UserEntity | null> {
    return this.system.run('users.find_by_email', () => this.users.findByEmail(email), { routine: true });
  }

  /**
   * Gives the person with this email a membership in tenantId; must run inside that tenant's transaction (RLS).
   * A new email creates the account. An email whose account is a member elsewhere only gains a membership here:
   * the request's password is ignored (a tenant admin never sets another tenant's user's password; the person keeps
   * signing in with their own), and the answer is built from the request and this membership exactly as for a new
   * account, so it cannot tell that the address exists in another tenant. Already a member here: 409 `email_taken`.
   * The creation checks (the licence's users quota) run for every new membership, after the password is hashed: a
   * check may hold a lock until commit.
   */
  async createMember(tenantId: TenantId, input: NewMember): Promise<MemberView> {
    const email = input.email.toLowerCase();
    const existing = await this.findByEmail(email);
    if (existing) return this.joinExisting(tenantId, existing, input);
    const passwordHash = await this.hasher.hash(input.password);
    await this.checks.beforeMembership(tenantId);
    const now = this.clock.now();
    const user: UserEntity = {
      id: this.ids.next(),
      email,
      password_hash: passwordHash,
      display_name: input.displayName ?? null,
      status: 'active',
      last_login_at: null,
      created_at: now,
      updated_at: now,
    };
    // Two creates with one email at once: both pass the lookup above, the unique index decides. The violation aborts
    // the loser's transaction, so it cannot join the winner's account: 409 (rare; retrying joins it).
    if (!(await this.users.insertUser(user)))
      throw new TenantException('email_taken', 'A user with this email already exists');
    await this.addMembership(tenantId, user.id, input.role, now, { displayName: input.displayName ?? null });
    const { password_hash: _hash, ...view } = user;
    return view;
  }

  /**
   * JIT and SCIM: gives the person with this email a membership in tenantId (inside that tenant's transaction),
   * creating the account without a password when the email is new; the creation checks run for a new membership.
   * Already a member here: nothing changes and `created` is false (the caller decides what to update).
   */
  async provisionMember(tenantId: TenantId, input: ProvisionedMember): Promise<{ userId: string; created: boolean }> {
    const email = input.email.toLowerCase();
    const now = this.clock.now();
    let account = await this.findByEmail(email);
    if (account && (await this.users.member(tenantId, account.id))) return { userId: account.id, created: false };
    await this.checks.beforeMembership(tenantId);
    if (!account) {
      account = {
        id: this.ids.next(),
        email,
        password_hash: null,
        display_name: input.displayName ?? null,
        status: 'active',
        last_login_at: null,
        created_at: now,
        updated_at: now,
      };
      if (!(await this.users.insertUser(account)))
        throw new TenantException('email_taken', 'A user with this email is being created; retry');
    }
    await this.addMembership(tenantId, account.id, input.role, now, {
      displayName: input.displayName ?? null,
      source: input.source,
    });
    return { userId: account.id, created: true };
  }

  /** Changes this tenant's membership of the user (inside the tenant's transaction); false when there is none. */
  async updateMembership(tenantId: TenantId, userId: string, changes: MembershipChanges): Promise<boolean> {
    if (!isUuid(userId)) return false;
    return this.users.changeMembership(tenantId, userId, {
      ...(changes.role !== undefined ? { role: changes.role } : {}),
      ...(changes.status !== undefined ? { status: changes.status } : {}),
      ...(changes.displayName !== undefined ? { display_name: changes.displayName } : {}),
      updated_at: this.clock.now(),
    });
  }

  /**
   * Whether the change would leave the tenant with no active holder of the member's admin role (tenant_admin or
   * above; platform_admin in the platform tenant): demoting below it, disabling, or removing (`after` null) its last
   * active holder. Takes the tenant's admin lock first when it might, so two changes at once cannot both pass. The
   * rule the users API refuses with 409 last_admin and the identity provider's changes (SCIM, SAML) keep to.
   */
  async removesLastAdmin(
    member: { id: string; tenant_id: TenantId; role: Role; status: string },
    after: { role: Role; active: boolean } | null,
  ): Promise<boolean> {
    if (member.status !== 'active' || !roleAtLeast(member.role, 'tenant_admin')) return false;
    if (after && after.active && roleAtLeast(after.role, member.role)) return false;
    await this.users.lockAdmins(member.tenant_id);
    const holders = ROLES.filter((r) => roleAtLeast(r, member.role));
    return (await this.users.countOtherActive(member.tenant_id, member.id, holders)) === 0;
  }

  /**
   * SCIM deprovisioning: removes this tenant's membership of the user (inside the tenant's transaction), never the
   * account's others; an account left with no tenant is deleted, as a tenant admin's removal does. False when none.
   */
  async removeMembership(tenantId: TenantId, userId: string): Promise<boolean> {
    if (!isUuid(userId) || !(await this.users.member(tenantId, userId))) return false;
    await this.users.removeMembership(tenantId, userId);
    if ((await this.users.membershipCount(userId)) === 0) await this.users.deleteUser(userId);
    return true;
  }

  private async joinExisting(tenantId: TenantId, account: UserEntity, input: NewMember): Promise<MemberView> {
    if (await this.users.member(tenantId, account.id))
      throw new TenantException('email_taken', 'A user with this email already exists');
    // Same work as a new account (no timing difference); the hash is thrown away, the password is not stored.
    await this.hasher.hash(input.password);
    await this.checks.beforeMembership(tenantId);
    const now = this.clock.now();
    await this.addMembership(tenantId, account.id, input.role, now, { displayName: input.displayName ?? null });
    // This tenant's view of the new membership, from the request: never the account's own name, dates or status.
    return {
      id: account.id,
      email: account.email,
      display_name: input.displayName ?? null,
      status: 'active',
      last_login_at: null,
      created_at: now,
      updated_at: now,
    };
  }

  private async addMembership(
    tenantId: TenantId,
    userId: string,
    role: Role,
    now: Date,
    extra: { displayName: string | null; source?: MembershipSource },
  ): Promise<void> {
    // Two adds of one existing account to this tenant at once: both pass the member check, the unique index decides.
    const added = await this.users.insertMembership({
      id: this.ids.next(),
      tenant_id: tenantId,
      user_id: userId,
      role,
      status: 'active',
      display_name: extra.displayName,
      last_login_at: null,
      source: extra.source ?? 'local',
      created_at: now,
      updated_at: now,
    });
    if (!added) throw new TenantException('email_taken', 'A user with this email already exists');
  }

  /** A sign-in to tenantId: the membership's last sign-in (what that tenant sees) and the account's. */
  async recordLogin(tenantId: TenantId, userId: string, at: Date): Promise<void> {
    await this.users.changeMembership(tenantId, userId, { last_login_at: at });
    await this.users.updateUser(userId, { last_login_at: at });
  }

  /** All of a user's memberships, oldest first. */
  memberships(userId: string): Promise<Membership[]> {
    return this.users.memberships(userId);
  }

  /** The user's membership in tenantId, or null (also for ids that are not uuids). */
  async membership(userId: string, tenantId: TenantId): Promise<Membership | null> {
    if (!isUuid(userId) || !isUuid(tenantId)) return null;
    // Memberships are control plane: in the core database whatever the tenant's isolation.
    return this.db.runInTenantControlPlane(tenantId, () => this.users.membership(userId, tenantId));
  }
}
