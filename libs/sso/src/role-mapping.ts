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
