import { subject } from '@casl/ability';
import { Principal, Role, buildAbility, scopeAllows } from '@conduit/access';
import { asTenantId } from '@conduit/platform';
import './licensing.access';

const HOME = asTenantId('home-tenant');
const CHILD = 'child-tenant';
const OTHER = 'other-tenant';
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
const allocation = (id: string, lineage: string[]) => subject('LicenseAllocation', { id, lineage });

describe('licensing permissions', () => {
  it('lets platform admins allocate anywhere but to their own tenant', () => {
    const ability = buildAbility(principal('platform_admin'), HOME);
    expect(ability.can('update', allocation(OTHER, [OTHER]))).toBe(true);
    expect(ability.can('update', allocation(HOME, [HOME]))).toBe(false);
    expect(ability.can('read', allocation(HOME, [HOME]))).toBe(true);
    expect(ability.can('read', 'LicenseUsage')).toBe(true);
  });

  it('lets MSSP admins allocate below their tenant only', () => {
    const ability = buildAbility(principal('mssp_admin'), HOME);
    expect(ability.can('update', allocation(CHILD, [CHILD, HOME]))).toBe(true);
    expect(ability.can('delete', allocation(CHILD, [CHILD, HOME]))).toBe(true);
    expect(ability.can('update', allocation(HOME, [HOME]))).toBe(false);
    expect(ability.can('read', allocation(HOME, [HOME]))).toBe(true);
    expect(ability.can('read', allocation(OTHER, [OTHER]))).toBe(false);
    expect(ability.can('update', allocation(OTHER, [OTHER]))).toBe(false);
    expect(ability.can('read', 'LicenseUsage')).toBe(true);
  });

  it("lets tenant admins read their own tenant's allocation, nothing more", () => {
    const ability = buildAbility(principal('tenant_admin'), HOME);
    expect(ability.can('read', allocation(HOME, [HOME]))).toBe(true);
    expect(ability.can('read', allocation(CHILD, [CHILD, HOME]))).toBe(false);
    expect(ability.can('update', 'LicenseAllocation')).toBe(false);
    expect(ability.can('read', 'LicenseUsage')).toBe(false);
  });

  it.each(['analyst', 'viewer'] as const)('gives %s nothing of licensing', (role) => {
    const ability = buildAbility(principal(role), HOME);
    expect(ability.can('read', allocation(HOME, [HOME]))).toBe(false);
    expect(ability.can('read', 'LicenseUsage')).toBe(false);
  });

  it('scopes API keys with license_allocations:* and license_usage:*', () => {
    expect(scopeAllows(['license_allocations:read'], 'read', 'LicenseAllocation')).toBe(true);
    expect(scopeAllows(['license_allocations:read'], 'update', 'LicenseAllocation')).toBe(false);
    expect(scopeAllows(['license_usage:read'], 'read', 'LicenseUsage')).toBe(true);
  });
});
