import { subject } from '@casl/ability';
import { Principal, Role, buildAbility, scopeAllows } from '@conduit/access';
import { asTenantId } from '@conduit/platform';
import './sso.access';

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

describe('SSO connection permissions', () => {
  it('lets tenant and MSSP admins manage the acting tenant’s connections, nobody else', () => {
    for (const role of ['mssp_admin', 'tenant_admin'] as const) {
      const ability = buildAbility(principal(role), HOME);
      expect(ability.can('create', subject('SsoConnection', { tenant_id: HOME }))).toBe(true);
      expect(ability.can('read', subject('SsoConnection', { tenant_id: 'other' }))).toBe(false);
    }
    for (const role of ['analyst', 'viewer'] as const) {
      expect(buildAbility(principal(role), HOME).can('read', subject('SsoConnection', { tenant_id: HOME }))).toBe(
        false,
      );
    }
  });

  it('scopes API keys with sso_connections:*', () => {
    expect(scopeAllows(['sso_connections:write'], 'update', 'SsoConnection')).toBe(true);
    expect(scopeAllows(['sso_connections:read'], 'update', 'SsoConnection')).toBe(false);
  });
});
