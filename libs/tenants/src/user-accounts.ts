// The one place that creates users and finds them by email (users is a control-plane table).
import { Injectable } from '@nestjs/common';
import { Role } from '@conduit/access';
import { TenantContext, isUniqueViolation } from '@conduit/database';
import { Clock, IdGenerator, PasswordHasher, TenantId } from '@conduit/platform';
import { MembershipEntity } from './entities/membership.entity';
import { UserEntity } from './entities/user.entity';
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
    private readonly hasher: PasswordHasher,
    private readonly ids: IdGenerator,
    private readonly clock: Clock,
  ) {}

  findByEmail(email: string): Promise<UserEntity | null> {
    return this.db.transaction(() =>
      this.db.em
        .getRepository(UserEntity)
        .createQueryBuilder('u')
        .where('lower(u.email) = :email', { email: email.toLowerCase() })
        .getOne(),
    );
  }

  /** Creates a user with a membership in tenantId; must run inside that tenant's transaction (RLS). */
  async createMember(tenantId: TenantId, input: NewMember): Promise<UserEntity> {
    const email = input.email.toLowerCase();
    if (await this.findByEmail(email))
      throw new TenantException('email_taken', 'A user with this email already exists');
    const now = this.clock.now();
    const user: UserEntity = {
      id: this.ids.next(),
      email,
      password_hash: await this.hasher.hash(input.password),
      display_name: input.displayName ?? null,
      status: 'active',
      last_login_at: null,
      created_at: now,
      updated_at: now,
    };
    try {
      await this.db.insert(UserEntity, user);
    } catch (err) {
      // Two creates with one email at once: both pass the check above, the unique index decides.
      if (isUniqueViolation(err, 'users_email_key'))
        throw new TenantException('email_taken', 'A user with this email already exists');
      throw err;
    }
    await this.db.insert(MembershipEntity, {
      id: this.ids.next(),
      tenant_id: tenantId,
      user_id: user.id,
      role: input.role,
      created_at: now,
      updated_at: now,
    });
    return user;
  }
}
