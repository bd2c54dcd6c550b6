// How an identity provider's groups become a Conduit role: the highest role any of the user's groups maps to, else the
// connection's default role, else none (the sign-in or provisioning is refused). Used at every SAML sign-in (roles
// follow the IdP's groups) and by SCIM group membership.
import { Role, roleAtLeast } from '@conduit/access';
import type { RoleMapping } from './entities/sso-connection.entity';

export function roleForGroups(mapping: RoleMapping, groups: readonly string[], defaultRole: Role | null): Role | null {
  let best: Role | null = null;
  for (const group of groups) {
    const role = Object.prototype.hasOwnProperty.call(mapping, group) ? mapping[group] : undefined;
    if (role && (!best || roleAtLeast(role, best))) best = role;
  }
  return best ?? defaultRole;
}

/**
 * The role an identity provider gives a member (SAML sign-in, SCIM): roles above tenant_admin (MSSP and platform
 * admins) are Conduit's to give, never an IdP's, so a member holding one keeps it whatever the groups say; anyone else
 * gets roleForGroups, capped at tenant_admin. `current`: the member's role now, null for someone not yet a member.
 */
export function roleFromIdentityProvider(
  current: Role | null,
  mapping: RoleMapping,
  groups: readonly string[],
  defaultRole: Role | null,
): Role | null {
  if (current && roleAtLeast(current, 'mssp_admin')) return current;
  const role = roleForGroups(mapping, groups, defaultRole);
  return role && roleAtLeast(role, 'mssp_admin') ? 'tenant_admin' : role;
}
