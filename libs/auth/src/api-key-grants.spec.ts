import { highestRole, lowerRole, scopeHeld, scopesNotHeld } from './api-key-grants';

describe('scopeHeld', () => {
  it('lets the whole role (null or "*") grant anything, "*" included', () => {
    expect(scopeHeld(null, '*')).toBe(true);
    expect(scopeHeld(['*'], 'users:write')).toBe(true);
  });

  it('never lets a narrower key grant "*" or a scope it lacks', () => {
    expect(scopeHeld(['api_keys:write'], '*')).toBe(false);
    expect(scopeHeld(['api_keys:write'], 'users:read')).toBe(false);
    expect(scopeHeld(['users:read'], 'users:write')).toBe(false);
  });

  it('lets write include read of the same subject only', () => {
    expect(scopeHeld(['users:write'], 'users:read')).toBe(true);
    expect(scopeHeld(['users:write'], 'users:write')).toBe(true);
    expect(scopeHeld(['users:write'], 'api_keys:read')).toBe(false);
  });

  it('lists what is missing', () => {
    expect(scopesNotHeld(['api_keys:write'], ['api_keys:read', '*', 'users:read'])).toEqual(['*', 'users:read']);
  });
});

describe('lowerRole', () => {
  it('keeps the lesser authority', () => {
    expect(lowerRole('tenant_admin', 'viewer')).toBe('viewer');
    expect(lowerRole('analyst', 'platform_admin')).toBe('analyst');
    expect(lowerRole('mssp_admin', 'mssp_admin')).toBe('mssp_admin');
  });
});

describe('highestRole', () => {
  it("picks the creator's widest role, or none", () => {
    expect(highestRole(['analyst', 'platform_admin', 'tenant_admin'])).toBe('platform_admin');
    expect(highestRole(['viewer', 'mssp_admin'])).toBe('mssp_admin');
    expect(highestRole([])).toBeNull();
  });
});
