// Whether a user may act in a tenant right now (status of user, tenant and membership), read through the tenants lib,
// which owns users and memberships.
import { Injectable } from '@nestjs/common';
import { Principal, TenantRef } from '@conduit/access';
import type { TenantId } from '@conduit/platform';
import { Membership, UserAccounts } from '@conduit/tenants';
import { AuthException } from './auth.exception';

export type ActiveMembership = Membership;

@Injectable()
export class MembershipLookup {
  constructor(private readonly accounts: UserAccounts) {}

  /** All of a user's memberships, oldest first (visible through the user-id RLS setting). */
  forUser(userId: string): Promise<ActiveMembership[]> {
    return this.accounts.memberships(userId);
  }

  inTenant(userId: string, tenantId: TenantId): Promise<ActiveMembership | null> {
    return this.accounts.membership(userId, tenantId);
  }
}

/**
 * Refuses users and tenants that may not act, with the stable codes the API promises. A disabled account (the
 * operator's say, everywhere) and a disabled membership (this tenant's say, here only) are both `user_disabled`.
 */
export function assertMayAct(m: {
  userStatus?: 'active' | 'disabled';
  memberStatus?: 'active' | 'disabled';
  tenant: TenantRef & { deleted?: boolean };
}): void {
  if (m.userStatus === 'disabled') throw new AuthException('user_disabled', 'This user is disabled');
  if (m.memberStatus === 'disabled') throw new AuthException('user_disabled', 'This user is disabled in this tenant');
  if (m.tenant.status === 'suspended') throw new AuthException('tenant_suspended', 'This tenant is suspended');
  if (m.tenant.status === 'inactive' || m.tenant.deleted)
    throw new AuthException('tenant_inactive', 'This tenant is inactive');
}

/** Whether assertMayAct would let the membership act. */
export function mayAct(m: Parameters<typeof assertMayAct>[0]): boolean {
  try {
    assertMayAct(m);
    return true;
  } catch {
    return false;
  }
}

/** A member acting in their home tenant, once the membership may act: every user token, ours or an IdP's, ends here. */
export function memberIdentity(
  membership: ActiveMembership,
  token: Pick<Principal, 'tokenId' | 'sessionId' | 'tokenExpiresAt'> = {},
): { principal: Principal; tenant: TenantRef } {
  assertMayAct(membership);
  const principal: Principal = {
    kind: 'user',
    id: membership.userId,
    label: membership.email,
    userId: membership.userId,
    homeTenantId: membership.tenant.id,
    role: membership.role,
    scopes: null,
    ...token,
  };
  return { principal, tenant: membership.tenant };
}
