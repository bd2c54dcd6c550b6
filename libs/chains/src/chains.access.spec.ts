import { subject } from '@casl/ability';
import { Principal, Role, buildAbility } from '@conduit/access';
import './chains.access';
import { asTenantId } from '@conduit/platform';

const HOME = asTenantId('home-tenant');
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

describe('chain permissions', () => {
  it('lets analysts operate chains and runs, viewers read them, and only admins manage credentials', () => {
    const analyst = buildAbility(principal('analyst'), HOME);
    const viewer = buildAbility(principal('viewer'), HOME);
    const admin = buildAbility(principal('tenant_admin'), HOME);
    expect(analyst.can('create', subject('Chain', { tenant_id: HOME }))).toBe(true);
    expect(analyst.can('update', subject('ChainRun', { tenant_id: HOME }))).toBe(true);
    expect(analyst.can('create', subject('Chain', { tenant_id: OTHER }))).toBe(false);
    expect(analyst.can('read', subject('Credential', { tenant_id: HOME }))).toBe(true);
    expect(analyst.can('create', subject('Credential', { tenant_id: HOME }))).toBe(false);
    expect(viewer.can('read', subject('ChainRun', { tenant_id: HOME }))).toBe(true);
    expect(viewer.can('update', subject('Chain', { tenant_id: HOME }))).toBe(false);
    expect(viewer.can('read', subject('Credential', { tenant_id: HOME }))).toBe(false);
    expect(admin.can('delete', subject('Credential', { tenant_id: HOME }))).toBe(true);
  });
});
