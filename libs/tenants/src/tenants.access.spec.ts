import { subject } from '@casl/ability';
import { Principal, Role, buildAbility, scopeAllows } from '@conduit/access';
import './tenants.access';
import { asTenantId } from '@conduit/platform';

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
const tenant = (id: string, lineage: string[]) => subject('Tenant', { id, lineage });

describe('tenant and user permissions', () => {
  it('lets platform admins do anything', () => {
    const ability = buildAbility(principal('platform_admin'), OTHER);
    expect(ability.can('delete', tenant(OTHER, [OTHER]))).toBe(true);
    expect(ability.can('manage', 'User')).toBe(true);
  });

  it('never lets anyone delete their own home tenant, platform admins included', () => {
    for (const role of ['platform_admin', 'mssp_admin'] as const) {
      const ability = buildAbility(principal(role), HOME);
      expect(ability.can('delete', tenant(HOME, [HOME]))).toBe(false);
      expect(ability.can('update', tenant(HOME, [HOME]))).toBe(true);
      expect(ability.can('delete', tenant(CHILD, [CHILD, HOME]))).toBe(true);
    }
  });

  it('lets MSSP admins manage their subtree but not delete their own tenant or touch others', () => {
    const ability = buildAbility(principal('mssp_admin'), CHILD);
    expect(ability.can('update', tenant(CHILD, [CHILD, HOME]))).toBe(true);
    expect(ability.can('delete', tenant(CHILD, [CHILD, HOME]))).toBe(true);
    expect(ability.can('update', tenant(HOME, [HOME]))).toBe(true);
    expect(ability.can('delete', tenant(HOME, [HOME]))).toBe(false);
    expect(ability.can('read', tenant(OTHER, [OTHER]))).toBe(false);
    expect(ability.can('create', subject('User', { tenant_id: CHILD }))).toBe(true);
    expect(ability.can('create', subject('User', { tenant_id: OTHER }))).toBe(false);
  });

  it('gives tenant admins users in their tenant, and read-only access to the tenant itself', () => {
    const ability = buildAbility(principal('tenant_admin'), HOME);
    expect(ability.can('delete', subject('User', { tenant_id: HOME }))).toBe(true);
    expect(ability.can('read', tenant(HOME, [HOME]))).toBe(true);
    expect(ability.can('update', tenant(HOME, [HOME]))).toBe(false);
    expect(ability.can('create', 'Tenant')).toBe(false);
  });

  it.each(['analyst', 'viewer'] as const)('keeps %s to reading their own tenant', (role) => {
    const ability = buildAbility(principal(role), HOME);
    expect(ability.can('read', tenant(HOME, [HOME]))).toBe(true);
    expect(ability.can('read', tenant(CHILD, [CHILD, HOME]))).toBe(false);
    expect(ability.can('read', 'User')).toBe(false);
  });

  it('scopes API keys with tenants:* and users:*', () => {
    expect(scopeAllows(['users:read'], 'read', 'User')).toBe(true);
    expect(scopeAllows(['users:read'], 'create', 'User')).toBe(false);
    expect(scopeAllows(['users:write'], 'read', 'Tenant')).toBe(false);
    expect(scopeAllows(['tenants:write'], 'update', 'Tenant')).toBe(true);
  });
});
