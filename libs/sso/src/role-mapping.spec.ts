import { describe, expect, it } from 'vitest';
import { roleForGroups, roleFromIdentityProvider } from './role-mapping';

describe('roleForGroups', () => {
  const mapping = { 'sec-admins': 'tenant_admin', 'sec-analysts': 'analyst', readers: 'viewer' } as const;

  it('takes the highest role any group maps to', () => {
    expect(roleForGroups(mapping, ['readers', 'sec-admins', 'sec-analysts'], null)).toBe('tenant_admin');
    expect(roleForGroups(mapping, ['readers', 'sec-analysts'], null)).toBe('analyst');
  });

  it('falls back to the default role, or none', () => {
    expect(roleForGroups(mapping, ['marketing'], 'viewer')).toBe('viewer');
    expect(roleForGroups(mapping, [], null)).toBeNull();
  });

  it('ignores group names that are properties of every object', () => {
    expect(roleForGroups(mapping, ['constructor', '__proto__', 'toString'], null)).toBeNull();
  });
});

describe('roleFromIdentityProvider', () => {
  const mapping = { 'sec-admins': 'tenant_admin', msp: 'mssp_admin', readers: 'viewer' } as const;

  it('leaves members above tenant_admin their role whatever the groups say', () => {
    expect(roleFromIdentityProvider('mssp_admin', mapping, ['readers'], null)).toBe('mssp_admin');
    expect(roleFromIdentityProvider('platform_admin', mapping, [], null)).toBe('platform_admin');
  });

  it('maps everyone else, never above tenant_admin', () => {
    expect(roleFromIdentityProvider('tenant_admin', mapping, ['readers'], null)).toBe('viewer');
    expect(roleFromIdentityProvider(null, mapping, ['msp'], null)).toBe('tenant_admin');
    expect(roleFromIdentityProvider('analyst', mapping, ['marketing'], null)).toBeNull();
  });
});
