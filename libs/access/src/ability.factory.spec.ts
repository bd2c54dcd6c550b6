import { subject } from '@casl/ability';
import { buildAbility } from './ability.factory';
import { KNOWN_SCOPES, NOTHING, registerAccess } from './access-registry';
import { scopeAllows } from './api-key-scopes';
import type { Principal } from './principal';
import type { Role } from './roles';
import type { Subject } from './subjects';
import { asTenantId } from '@conduit/platform';

// Domain libs register real subjects; this spec registers two of its own, as a domain would.
const Widget = 'Widget' as Subject;
const Gadget = 'Gadget' as Subject;
registerAccess({
  scopes: { [Widget]: 'widgets', [Gadget]: 'gadgets' },
  roles: {
    platform_admin: ({ cannot }, { home }) => cannot('delete', Widget, { tenant_id: home }),
    mssp_admin: NOTHING,
    tenant_admin: ({ can }, { acting }) => can('manage', [Widget, Gadget], acting),
    analyst: NOTHING,
    viewer: ({ can }, { acting }) => can('read', Widget, acting),
  },
});

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
const widget = (tenant: string) => subject(Widget as never, { tenant_id: tenant });

describe('buildAbility', () => {
  it('lets platform admins do anything, short of what a domain forbids even them', () => {
    const ability = buildAbility(principal('platform_admin'), OTHER);
    expect(ability.can('delete', widget(OTHER))).toBe(true);
    expect(ability.can('manage', Gadget as never)).toBe(true);
    expect(ability.can('delete', widget(HOME))).toBe(false);
  });

  it('gives other roles what the registered domains grant them, in the acting tenant only', () => {
    const admin = buildAbility(principal('tenant_admin'), HOME);
    expect(admin.can('delete', widget(HOME))).toBe(true);
    expect(admin.can('delete', widget(OTHER))).toBe(false);
    const viewer = buildAbility(principal('viewer'), HOME);
    expect(viewer.can('read', widget(HOME))).toBe(true);
    expect(viewer.can('update', widget(HOME))).toBe(false);
    expect(buildAbility(principal('analyst'), HOME).can('read', widget(HOME))).toBe(false);
  });

  it('refuses a subject registered twice', () => {
    expect(() => registerAccess({ scopes: { [Widget]: 'widgets' }, roles: {} as never })).toThrow(/twice/);
  });
});

describe('scopeAllows', () => {
  it('treats null and * as the whole role', () => {
    expect(scopeAllows(null, 'delete', Widget)).toBe(true);
    expect(scopeAllows(['*'], 'create', Gadget)).toBe(true);
  });
  it('lets write imply read but not the reverse, per subject', () => {
    expect(scopeAllows(['widgets:read'], 'read', Widget)).toBe(true);
    expect(scopeAllows(['widgets:read'], 'create', Widget)).toBe(false);
    expect(scopeAllows(['widgets:write'], 'read', Widget)).toBe(true);
    expect(scopeAllows(['widgets:write'], 'read', Gadget)).toBe(false);
  });
  it('gives a scoped key nothing of a subject no domain registered', () => {
    expect(scopeAllows(['widgets:write'], 'read', 'Unknown' as Subject)).toBe(false);
  });
  it('lists every registered scope, sorted after *', () => {
    expect(KNOWN_SCOPES).toEqual(['*', 'gadgets:read', 'gadgets:write', 'widgets:read', 'widgets:write']);
  });
});
