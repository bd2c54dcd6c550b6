import { subject } from '@casl/ability';
import { Principal, Role, buildAbility, scopeAllows } from '@conduit/access';
import { asTenantId } from '@conduit/platform';
import './monitors.access';

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

describe('monitor permissions', () => {
  it('lets tenant and MSSP admins change the acting tenant’s monitors, analysts and viewers read them', () => {
    for (const role of ['mssp_admin', 'tenant_admin'] as const) {
      const ability = buildAbility(principal(role), HOME);
      expect(ability.can('create', subject('Monitor', { tenant_id: HOME }))).toBe(true);
      expect(ability.can('delete', subject('Monitor', { tenant_id: HOME }))).toBe(true);
      expect(ability.can('read', subject('Monitor', { tenant_id: 'other' }))).toBe(false);
    }
    for (const role of ['analyst', 'viewer'] as const) {
      const ability = buildAbility(principal(role), HOME);
      expect(ability.can('read', subject('Monitor', { tenant_id: HOME }))).toBe(true);
      expect(ability.can('update', subject('Monitor', { tenant_id: HOME }))).toBe(false);
      expect(ability.can('create', subject('Monitor', { tenant_id: HOME }))).toBe(false);
    }
  });

  it('scopes API keys with monitors:*', () => {
    expect(scopeAllows(['monitors:write'], 'update', 'Monitor')).toBe(true);
    expect(scopeAllows(['monitors:read'], 'update', 'Monitor')).toBe(false);
  });
});
