import { claimsProblems, parseClaims } from './license-claims';
import { LicensingException } from './licensing.exception';

const valid = {
  jti: 'lic-2026-0042',
  sub: 'Acme Security Ltd',
  type: 'enterprise',
  iat: 1_790_000_000,
  nbf: 1_790_000_000,
  exp: 1_821_536_000,
  grace_days: 14,
  quotas: { tenants: 50, users: 500, integrations: 100, instances: null, events_per_month: 50_000_000 },
  features: ['mssp', 'saml', 'export_import'],
};

const fields = (payload: unknown) => claimsProblems(payload).map((p) => p.field);

describe('licence claims', () => {
  it('takes a complete set of claims, unlimited quotas (null) and an installation id', () => {
    expect(claimsProblems(valid)).toEqual([]);
    const bound = parseClaims({ ...valid, installation_id: '0193a6b2-7c1d-7e4f-9a55-3b2f6c1d2e3f' });
    expect(bound).toMatchObject({ jti: 'lic-2026-0042', installation_id: '0193a6b2-7c1d-7e4f-9a55-3b2f6c1d2e3f' });
    expect(parseClaims(valid).quotas.instances).toBeNull();
    expect('installation_id' in parseClaims(valid)).toBe(false);
  });

  it('refuses unknown features, each named, and features listed twice', () => {
    const problems = claimsProblems({ ...valid, features: ['mssp', 'teleportation'] });
    expect(problems).toEqual([
      { field: 'features[1]', message: expect.stringMatching(/unknown feature "teleportation"/) },
    ]);
    expect(fields({ ...valid, features: ['saml', 'saml'] })).toEqual(['features']);
    expect(fields({ ...valid, features: 'mssp' })).toEqual(['features']);
  });

  it('refuses quotas that are missing, unknown, negative, fractional or not numbers', () => {
    const { users: _users, ...withoutUsers } = valid.quotas;
    expect(fields({ ...valid, quotas: withoutUsers })).toEqual(['quotas.users']);
    expect(fields({ ...valid, quotas: { ...valid.quotas, seats: 5 } })).toEqual(['quotas.seats']);
    expect(fields({ ...valid, quotas: { ...valid.quotas, tenants: -1 } })).toEqual(['quotas.tenants']);
    expect(fields({ ...valid, quotas: { ...valid.quotas, users: 1.5 } })).toEqual(['quotas.users']);
    expect(fields({ ...valid, quotas: { ...valid.quotas, integrations: '10' } })).toEqual(['quotas.integrations']);
  });

  it('refuses another type, a grace period out of range, unknown claims and exp not after nbf', () => {
    expect(fields({ ...valid, type: 'trial' })).toEqual(['type']);
    expect(fields({ ...valid, grace_days: -1 })).toEqual(['grace_days']);
    expect(fields({ ...valid, grace_days: 366 })).toEqual(['grace_days']);
    expect(fields({ ...valid, grace_days: 2.5 })).toEqual(['grace_days']);
    expect(fields({ ...valid, max_seats: 3 })).toEqual(['max_seats']);
    expect(fields({ ...valid, exp: valid.nbf })).toEqual(['exp']);
    expect(fields({ ...valid, exp: 1e15 })).toEqual(['exp']);
    expect(fields({ ...valid, installation_id: 'not-a-uuid' })).toEqual(['installation_id']);
    expect(fields({ ...valid, jti: '  ' })).toEqual(['jti']);
  });

  it('names every problem at once, and refuses what is not an object', () => {
    const { sub: _sub, ...noSub } = valid;
    expect(fields({ ...noSub, iat: 'yesterday', features: ['x'] }).sort()).toEqual(['features[0]', 'iat', 'sub']);
    for (const payload of [null, [], 'claims', 42]) expect(claimsProblems(payload)).toHaveLength(1);
  });

  it('throws license_malformed with the problems as details', () => {
    try {
      parseClaims({ ...valid, features: ['nope'] });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(LicensingException);
      expect(err).toMatchObject({ code: 'license_malformed', status: 400, details: [{ field: 'features[0]' }] });
    }
  });
});
