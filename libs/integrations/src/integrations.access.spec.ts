import { subject } from '@casl/ability';
import { Principal, Role, buildAbility, scopeAllows } from '@conduit/access';
import { asTenantId } from '@conduit/platform';
import './integrations.access';

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

describe('integration permissions', () => {
  it('lets tenant and MSSP admins change the acting tenant’s integrations, analysts and viewers read them', () => {
    for (const role of ['mssp_admin', 'tenant_admin'] as const) {
      const ability = buildAbility(principal(role), HOME);
      expect(ability.can('create', subject('Integration', { tenant_id: HOME }))).toBe(true);
      expect(ability.can('delete', subject('Integration', { tenant_id: HOME }))).toBe(true);
      expect(ability.can('read', subject('Integration', { tenant_id: 'other' }))).toBe(false);
    }
    for (const role of ['analyst', 'viewer'] as const) {
      const ability = buildAbility(principal(role), HOME);
      expect(ability.can('read', subject('Integration', { tenant_id: HOME }))).toBe(true);
      expect(ability.can('update', subject('Integration', { tenant_id: HOME }))).toBe(false);
      expect(ability.can('create', subject('Integration', { tenant_id: HOME }))).toBe(false);
    }
  });

  it('scopes API keys with integrations:*', () => {
    expect(scopeAllows(['integrations:write'], 'update', 'Integration')).toBe(true);
    expect(scopeAllows(['integrations:read'], 'update', 'Integration')).toBe(false);
  });
});
