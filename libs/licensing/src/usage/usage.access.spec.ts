import { Principal, Role, buildAbility } from '@conduit/access';
import { asTenantId } from '@conduit/platform';
import './usage.access';

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

describe('the compliance report', () => {
  it('is read by platform and MSSP admins only', () => {
    expect(buildAbility(principal('platform_admin'), HOME).can('read', 'LicenseReport')).toBe(true);
    expect(buildAbility(principal('mssp_admin'), HOME).can('read', 'LicenseReport')).toBe(true);
    for (const role of ['tenant_admin', 'analyst', 'viewer'] as const)
      expect(buildAbility(principal(role), HOME).can('read', 'LicenseReport'), role).toBe(false);
  });
});
