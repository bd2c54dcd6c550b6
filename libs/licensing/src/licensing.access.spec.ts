import { Principal, Role, buildAbility } from '@conduit/access';
import { asTenantId } from '@conduit/platform';
import './licensing.access';

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

describe('licence permissions', () => {
  it('lets platform admins install, MSSP admins read, and nobody else see the licence', () => {
    const platform = buildAbility(principal('platform_admin'), HOME);
    expect(platform.can('read', 'License')).toBe(true);
    expect(platform.can('update', 'License')).toBe(true);
    const mssp = buildAbility(principal('mssp_admin'), HOME);
    expect(mssp.can('read', 'License')).toBe(true);
    expect(mssp.can('update', 'License')).toBe(false);
    for (const role of ['tenant_admin', 'analyst', 'viewer'] as const) {
      const ability = buildAbility(principal(role), HOME);
      expect(ability.can('read', 'License')).toBe(false);
      expect(ability.can('update', 'License')).toBe(false);
    }
  });
});
