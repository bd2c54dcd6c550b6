// The repository rule of eslint/repositories.mjs, fed SQL where it may and may not be: a selector that stopped biting
// (a typo, a glob that no longer matches) fails here rather than letting SQL drift back into services. The files
// belong to a domain that does not exist yet: the rule holds for the domains that come next without an edit.
import type { Linter } from 'eslint';
import { lintProblems } from './lint-problems';

interface RepositoryRule {
  repositoryConfigs: () => Linter.Config[];
}

describe('the repository rule', () => {
  let rule: RepositoryRule;

  beforeAll(async () => {
    rule = (await import('../../eslint/repositories.mjs' as string)) as RepositoryRule;
  });

  const problems = (filename: string, code: string): string[] => lintProblems(rule.repositoryConfigs(), filename, code);

  const service = 'libs/licensing/src/licences.service.ts';

  it.each([
    ['raw SQL', "await this.db.em.query('SELECT * FROM licences WHERE tenant_id = $1', [tenantId]);", 'repositories/'],
    ['a TypeORM repository', 'await this.db.em.getRepository(LicenceEntity).findOneBy({ id });', 'repositories/'],
    ['a query builder', "this.db.em.createQueryBuilder(LicenceEntity, 'l').getMany();", 'repositories/'],
    ['a prepared statement', "await this.db.prepared('x', 'SELECT 1', []);", 'repositories/'],
    ['an insert through TenantContext', 'await this.db.insert(LicenceEntity, row);', 'repositories/'],
    ['TypeORM operators', "import { In } from 'typeorm';", 'repositories/'],
    ['a one-round-trip statement', "import { TenantRoundTrip } from '@conduit/database';", 'repositories/'],
    ['a transaction with no tenant', 'await this.db.transaction(() => this.find());', 'SystemContext.run'],
  ])('refuses %s in a service', (_, code, message) => {
    const found = problems(service, code);
    expect(found.length).toBeGreaterThan(0);
    expect(found[0]).toContain('no-restricted-syntax');
    expect(found[0]).toContain(message);
  });

  it('refuses SQL in any file of a lib outside repositories/, not only services', () => {
    const found = problems('libs/licensing/src/engine/licence-sweeper.ts', "this.db.em.query('DELETE FROM licences');");
    expect(found.length).toBeGreaterThan(0);
    for (const problem of found) expect(problem).toContain('repositories/');
  });

  it.each([
    [
      'SQL in a repository',
      'libs/licensing/src/repositories/licences.repository.ts',
      "import { In } from 'typeorm';\nawait this.db.em.query('SELECT 1');\nawait this.db.insert(LicenceEntity, row);",
    ],
    [
      'SQL in a migration',
      'libs/licensing/src/migrations/1764000000000-licences.ts',
      "await q.query('CREATE TABLE x ()');",
    ],
    ['an entity', 'libs/licensing/src/entities/licence.entity.ts', "import { Column, Entity } from 'typeorm';"],
    [
      'a service calling its repository, scoping a tenant and using the control plane',
      service,
      "await this.db.runInTenant(tenantId, () => this.licences.page(tenantId, filter, page));\nawait this.system.run('licensing.sweep', (plane) => plane.tenantIds({ includeDeleted: false }));",
    ],
    ['the database layer itself', 'libs/database/src/x.ts', "await this.db.em.query('SELECT 1');"],
  ])('allows %s', (_, filename, code) => {
    expect(problems(filename, code)).toEqual([]);
  });
});
