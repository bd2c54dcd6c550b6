// The one place that creates users, finds them by email and reads their memberships (users is a control-plane table),
// for this lib and for auth (login, tokens, identity-provider tokens).
import { Injectable } from '@nestjs/common';
import { Role } from '@conduit/access';
import { SystemContext, TenantContext } from '@conduit/database';
import { Clock, IdGenerator, PasswordHasher, TenantId, isUuid } from '@conduit/platform';
import { UserEntity } from './entities/user.entity';
import { Membership, UsersRepository } from './repositories/users.repository';
import { CreationChecks } from './creation-checks';
import { TenantException } from './tenant.exception';

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
   * Creates a user with a membership in tenantId; must run inside that tenant's transaction (RLS). The creation checks
   * (the licence's users quota) run after the password is hashed: a check may hold a lock until commit.
   */
  async createMember(tenantId: TenantId, input: NewMember): Promise<UserEntity> {
    const email = input.email.toLowerCase();
    if (await this.findByEmail(email))
      throw new TenantException('email_taken', 'A user with this email already exists');
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
    // Two creates with one email at once: both pass the check above, the unique index decides.
    if (!(await this.users.insertUser(user)))
      throw new TenantException('email_taken', 'A user with this email already exists');
    await this.users.insertMembership({
      id: this.ids.next(),
      tenant_id: tenantId,
      user_id: user.id,
      role: input.role,
      created_at: now,
      updated_at: now,
    });
    return user;
  }

  /** Inside the caller's transaction (the tenant of the membership that logged in). */
  recordLogin(userId: string, at: Date): Promise<void> {
    return this.users.updateUser(userId, { last_login_at: at });
  }

  /** All of a user's memberships, oldest first. */
  memberships(userId: string): Promise<Membership[]> {
    return this.users.memberships(userId);
  }

  /** The user's membership in tenantId, or null (also for ids that are not uuids). */
  async membership(userId: string, tenantId: TenantId): Promise<Membership | null> {
    if (!isUuid(userId) || !isUuid(tenantId)) return null;
    return this.db.runInTenant(tenantId, () => this.users.membership(userId, tenantId));
  }
}
