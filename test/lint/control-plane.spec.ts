// The control-plane rule of eslint/control-plane.mjs, fed the calls that would put a dedicated tenant's control-plane
// rows in its own database: a glob that stopped matching (a lib renamed, a repository moved) fails here rather than
// letting sso_*, scim_*, users or licence allocations drift back into runInTenant or TenantContext.em.
import type { Linter } from 'eslint';
import { lintProblems } from './lint-problems';

interface ControlPlaneRule {
  controlPlaneConfigs: (keep?: unknown[]) => Linter.Config[];
  CONTROL_PLANE_REPOSITORIES: string[];
}

describe('the control-plane rule', () => {
  let rule: ControlPlaneRule;

  beforeAll(async () => {
    rule = (await import('../../eslint/control-plane.mjs' as string)) as ControlPlaneRule;
  });

  const problems = (filename: string, code: string): string[] =>
    lintProblems(rule.controlPlaneConfigs(), filename, code);

  it.each([
    ['an SSO service', 'libs/sso/src/sso-connections.service.ts'],
    ['a SCIM service', 'libs/scim/src/scim-users.service.ts'],
    ['an auth service', 'libs/auth/src/session.service.ts'],
    ['a new file of the SSO lib', 'libs/sso/src/saml/new-flow.ts'],
    ['the operator actions (user:create)', 'libs/tenants/src/operator.service.ts'],
    ['the users API', 'libs/tenants/src/users.service.ts'],
  ])('refuses runInTenant in %s', (_, filename) => {
    const found = problems(filename, 'await this.db.runInTenant(tenantId, () => this.rows.find(tenantId));');
    expect(found).toHaveLength(1);
    expect(found[0]).toContain('no-restricted-properties');
    expect(found[0]).toContain('runInTenantControlPlane');
  });

  it.each([
    'libs/sso/src/repositories/saml-state.repository.ts',
    'libs/scim/src/repositories/scim-users.repository.ts',
    'libs/auth/src/repositories/sessions.repository.ts',
    'libs/tenants/src/repositories/users.repository.ts',
    'libs/licensing/src/repositories/allocations.repository.ts',
  ])('refuses TenantContext.em in the control-plane repository %s', (filename) => {
    const found = problems(filename, "await this.db.em.query('SELECT 1');");
    expect(found).toHaveLength(1);
    expect(found[0]).toContain('coreEm');
  });

  it('names only files that exist (a moved repository would silently escape the rule)', async () => {
    const fs = (await import('node:fs')) as unknown as { globSync(pattern: string): string[] };
    for (const pattern of rule.CONTROL_PLANE_REPOSITORIES)
      expect(fs.globSync(pattern).length, pattern).toBeGreaterThan(0);
  });

  it.each([
    [
      'coreEm in a control-plane repository',
      'libs/sso/src/repositories/x.repository.ts',
      "this.db.coreEm.query('SELECT 1');",
    ],
    [
      'runInTenantControlPlane in an SSO service',
      'libs/sso/src/x.service.ts',
      'await this.db.runInTenantControlPlane(tenantId, () => this.rows.find(tenantId));',
    ],
    [
      "runInTenant in a tenant-data lib (its rows are in the tenant's database)",
      'libs/webhooks/src/events.service.ts',
      'await this.db.runInTenant(tenantId, () => this.events.find(tenantId));',
    ],
    [
      "TenantContext.em in a tenant-data repository of the licensing lib (usage months, counted with the tenant's events)",
      'libs/licensing/src/repositories/usage.repository.ts',
      "await this.db.em.query('SELECT 1');",
    ],
  ])('allows %s', (_, filename, code) => {
    expect(problems(filename, code)).toEqual([]);
  });
});
