// The joins that decide whether a user may act in a tenant right now (status of user, tenant and membership).
import { Injectable } from '@nestjs/common';
import { Principal, Role, TenantRef } from '@conduit/access';
import { TenantContext } from '@conduit/database';
import { isUuid, TenantId } from '@conduit/platform';
import { AuthException } from './auth.exception';

export interface ActiveMembership {
  userId: string;
  email: string;
  userStatus: 'active' | 'disabled';
  role: Role;
  tenant: TenantRef & { deleted: boolean };
}

interface Row {
  user_id: string;
  email: string;
  user_status: 'active' | 'disabled';
  role: Role;
  tenant_id: TenantId;
  code: string;
  name: string;
  status: TenantRef['status'];
  parent_id: string | null;
  deleted_at: Date | null;
  created_at: Date;
}

const SELECT = `SELECT u.id AS user_id, u.email, u.status AS user_status, m.role, t.id AS tenant_id, t.code, t.name,
  t.status, t.parent_id, t.deleted_at, m.created_at
  FROM memberships m JOIN users u ON u.id = m.user_id JOIN tenants t ON t.id = m.tenant_id`;

function toMembership(r: Row): ActiveMembership {
  return {
    userId: r.user_id,
    email: r.email,
    userStatus: r.user_status,
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
export class MembershipLookup {
  constructor(private readonly db: TenantContext) {}

  /** All of a user's memberships, oldest first (visible through the user-id RLS setting). */
  async forUser(userId: string): Promise<ActiveMembership[]> {
    return this.db.withSettings({ 'app.user_id': userId }, async () => {
      const rows = (await this.db.em.query(`${SELECT} WHERE m.user_id = $1 ORDER BY m.created_at, m.id`, [
        userId,
      ])) as Row[];
      return rows.map(toMembership);
    });
  }

  async inTenant(userId: string, tenantId: TenantId): Promise<ActiveMembership | null> {
    if (!isUuid(userId) || !isUuid(tenantId)) return null;
    return this.db.runInTenant(tenantId, async () => {
      const [row] = (await this.db.em.query(`${SELECT} WHERE m.user_id = $1 AND m.tenant_id = $2`, [
        userId,
        tenantId,
      ])) as Row[];
      return row ? toMembership(row) : null;
    });
  }
}

/** Refuses users and tenants that may not act, with the stable codes the API promises. */
export function assertMayAct(m: {
  userStatus?: 'active' | 'disabled';
  tenant: TenantRef & { deleted?: boolean };
}): void {
  if (m.userStatus === 'disabled') throw new AuthException('user_disabled', 'This user is disabled');
  if (m.tenant.status === 'suspended') throw new AuthException('tenant_suspended', 'This tenant is suspended');
  if (m.tenant.status === 'inactive' || m.tenant.deleted)
    throw new AuthException('tenant_inactive', 'This tenant is inactive');
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
