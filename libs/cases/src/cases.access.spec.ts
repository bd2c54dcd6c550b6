import { subject } from '@casl/ability';
import { Principal, Role, buildAbility, scopeAllows } from '@conduit/access';
import { asTenantId } from '@conduit/platform';
import './cases.access';

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

describe('case permissions', () => {
  it('lets admins and analysts open and update the acting tenant’s cases, viewers only read', () => {
    for (const role of ['mssp_admin', 'tenant_admin', 'analyst'] as const) {
      const ability = buildAbility(principal(role), HOME);
      expect(ability.can('create', subject('Case', { tenant_id: HOME }))).toBe(true);
      expect(ability.can('update', subject('Case', { tenant_id: HOME }))).toBe(true);
      expect(ability.can('read', subject('CaseEvent', { tenant_id: HOME }))).toBe(true);
      // Events are written by ingestion only; nobody deletes cases through the API.
      expect(ability.can('update', subject('CaseEvent', { tenant_id: HOME }))).toBe(false);
      expect(ability.can('delete', subject('Case', { tenant_id: HOME }))).toBe(false);
      expect(ability.can('read', subject('Case', { tenant_id: 'other' }))).toBe(false);
    }
    const viewer = buildAbility(principal('viewer'), HOME);
    expect(viewer.can('read', subject('Case', { tenant_id: HOME }))).toBe(true);
    expect(viewer.can('read', subject('CaseEvent', { tenant_id: HOME }))).toBe(true);
    expect(viewer.can('update', subject('Case', { tenant_id: HOME }))).toBe(false);
    expect(viewer.can('create', subject('Case', { tenant_id: HOME }))).toBe(false);
  });

  it('scopes API keys with cases:* and case_events:*', () => {
    expect(scopeAllows(['cases:write'], 'update', 'Case')).toBe(true);
    expect(scopeAllows(['cases:read'], 'update', 'Case')).toBe(false);
    expect(scopeAllows(['case_events:read'], 'read', 'CaseEvent')).toBe(true);
  });
});
