import { subject } from '@casl/ability';
import { Principal, Role, buildAbility, scopeAllows } from '@conduit/access';
import { asTenantId } from '@conduit/platform';
import './scim.access';

const HOME = asTenantId('home-tenant');
const principal = (role: Role): Principal => ({
  kind: 'user',
  id: 'u',
  label: 'u@x',
  userId: 'u',
  homeTenantId: HOME,
  role,
  scopes: null,
});

describe('SCIM token permissions', () => {
  it("lets admins manage their tenant's SCIM tokens, nobody else", () => {
    for (const role of ['platform_admin', 'mssp_admin', 'tenant_admin'] as const) {
      expect(buildAbility(principal(role), HOME).can('create', subject('ScimToken', { tenant_id: HOME }))).toBe(true);
    }
    for (const role of ['mssp_admin', 'tenant_admin'] as const) {
      expect(buildAbility(principal(role), HOME).can('read', subject('ScimToken', { tenant_id: 'other' }))).toBe(false);
    }
    for (const role of ['analyst', 'viewer'] as const) {
      expect(buildAbility(principal(role), HOME).can('read', subject('ScimToken', { tenant_id: HOME }))).toBe(false);
    }
  });

  it('scopes API keys with scim_tokens:*', () => {
    expect(scopeAllows(['scim_tokens:write'], 'delete', 'ScimToken')).toBe(true);
    expect(scopeAllows(['scim_tokens:read'], 'create', 'ScimToken')).toBe(false);
  });
});
