// After a SCIM change, each affected member's membership follows the identity provider: role = the highest role the
// token's SSO connection maps any of the member's SCIM groups to (else its default_role), active only while the IdP
// says active and a role was found. A member losing access loses every session and API key in the tenant in the same
// transaction. Roles above tenant_admin (an MSSP or platform admin holding a membership here) are never changed by
// SCIM. Nor is the tenant's last active admin demoted or disabled (the users API's last_admin rule): the change waits,
// audited as scim.last_admin_kept, until another admin exists (the next SCIM change of the user applies it).
import { Injectable } from '@nestjs/common';
import { Role } from '@conduit/access';
import { ApiKeysService, SessionService } from '@conduit/auth';
import type { TenantId } from '@conduit/platform';
import { RoleMapping, roleFromIdentityProvider } from '@conduit/sso';
import { UserAccounts } from '@conduit/tenants';
import { ScimGroupsRepository } from './repositories/scim-groups.repository';
import { ScimTokensRepository } from './repositories/scim-tokens.repository';
import { ScimUsersRepository } from './repositories/scim-users.repository';
import type { ScimCaller } from './scim-caller';
import { ScimAudit } from './scim-audit';
import { ScimError } from './scim-error';

export interface RoleRule {
  mapping: RoleMapping;
  defaultRole: Role | null;
}

@Injectable()
export class ScimRoleSync {
  constructor(
    private readonly tokens: ScimTokensRepository,
    private readonly users: ScimUsersRepository,
    private readonly groups: ScimGroupsRepository,
    private readonly accounts: UserAccounts,
    private readonly sessions: SessionService,
    private readonly apiKeys: ApiKeysService,
    private readonly audit: ScimAudit,
  ) {}

  /** The token's connection's mapping (inside the tenant's transaction). */
  async rule(caller: ScimCaller): Promise<RoleRule> {
    const connection = await this.tokens.connection(caller.tenantId, caller.connectionId);
    if (!connection) throw new ScimError(403, "The SCIM token's SSO connection no longer exists");
    return { mapping: connection.role_mapping, defaultRole: connection.default_role };
  }

  /** Recomputes and applies each user's role and status (inside the tenant's transaction). */
  async sync(caller: ScimCaller, userIds: Iterable<string>, rule?: RoleRule): Promise<void> {
    const { tenantId } = caller;
    const r = rule ?? (await this.rule(caller));
    for (const userId of new Set(userIds)) {
      const member = await this.users.member(tenantId, userId);
      if (!member) continue;
      const groups = await this.groups.namesOf(tenantId, userId);
      const role = roleFromIdentityProvider(member.role, r.mapping, groups, r.defaultRole);
      const active = (member.scim_active ?? member.status === 'active') && role !== null;
      const status = active ? 'active' : 'disabled';
      const newRole = role !== null && role !== member.role ? role : undefined;
      if (!newRole && status === member.status) continue;
      const after = { role: newRole ?? member.role, active };
      if (await this.accounts.removesLastAdmin({ ...member, tenant_id: tenantId }, after)) {
        await this.audit.record(caller, 'scim.last_admin_kept', { type: 'User', id: userId }, 200);
        continue;
      }
      await this.accounts.updateMembership(tenantId, userId, { ...(newRole ? { role: newRole } : {}), status });
      if (!active) await this.cutOff(tenantId, userId);
    }
  }

  /** Ends every session and API key of the user in the tenant. */
  async cutOff(tenantId: TenantId, userId: string): Promise<void> {
    await this.sessions.revokeUserSessions(tenantId, userId, 'scim_deprovisioned');
    await this.apiKeys.revokeCreatedBy(tenantId, userId);
  }
}
