import { subject } from '@casl/ability';
import { Principal, Role, buildAbility } from '@conduit/access';
import './audit.access';
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

describe('audit permissions', () => {
  it('lets admins read their tenant’s audit events, and nobody change them', () => {
    const admin = buildAbility(principal('tenant_admin'), HOME);
    expect(admin.can('read', subject('AuditEvent', { tenant_id: HOME }))).toBe(true);
    expect(admin.can('update', subject('AuditEvent', { tenant_id: HOME }))).toBe(false);
    expect(admin.can('read', subject('AuditEvent', { tenant_id: 'other' }))).toBe(false);
  });

  it.each(['analyst', 'viewer'] as const)('keeps the audit trail from %s', (role) => {
    expect(buildAbility(principal(role), HOME).can('read', 'AuditEvent')).toBe(false);
  });
});
