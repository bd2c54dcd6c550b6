import { describe, expect, it } from 'vitest';
import { roleForGroups } from './role-mapping';

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
