import { subject } from '@casl/ability';
import { Principal, Role, buildAbility, scopeAllows } from '@conduit/access';
import './auth.access';
import { asTenantId } from '@conduit/platform';

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

describe('API-key permissions', () => {
  it('lets admins manage their tenant’s keys, nobody else', () => {
    for (const role of ['mssp_admin', 'tenant_admin'] as const) {
      expect(buildAbility(principal(role), HOME).can('delete', subject('ApiKey', { tenant_id: HOME }))).toBe(true);
      expect(buildAbility(principal(role), HOME).can('read', subject('ApiKey', { tenant_id: 'other' }))).toBe(false);
    }
    for (const role of ['analyst', 'viewer'] as const) {
      expect(buildAbility(principal(role), HOME).can('read', subject('ApiKey', { tenant_id: HOME }))).toBe(false);
    }
  });

  it("lets admins manage their acting tenant's session settings, nobody else", () => {
    for (const role of ['mssp_admin', 'tenant_admin'] as const) {
      expect(buildAbility(principal(role), HOME).can('update', subject('AuthSettings', { tenant_id: HOME }))).toBe(
        true,
      );
      expect(buildAbility(principal(role), HOME).can('read', subject('AuthSettings', { tenant_id: 'other' }))).toBe(
        false,
      );
    }
    for (const role of ['analyst', 'viewer'] as const) {
      expect(buildAbility(principal(role), HOME).can('read', subject('AuthSettings', { tenant_id: HOME }))).toBe(false);
    }
    expect(scopeAllows(['auth_settings:read'], 'update', 'AuthSettings')).toBe(false);
    expect(scopeAllows(['auth_settings:write'], 'update', 'AuthSettings')).toBe(true);
  });

  it('scopes keys with api_keys:*', () => {
    expect(scopeAllows(['api_keys:write'], 'delete', 'ApiKey')).toBe(true);
    expect(scopeAllows(['api_keys:read'], 'delete', 'ApiKey')).toBe(false);
  });
});
