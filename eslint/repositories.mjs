// The repository rule, as ESLint rules: in libs, SQL lives in a lib's repositories/ folder (and its migrations/);
// services, processors, engines and the rest call repository methods. Work outside a tenant goes through
// SystemContext.run() (@conduit/database), which names and logs each use, never a bare transaction. libs/database is
// the layer these rest on (TenantContext, SystemContext and the control plane's reads, rollups) and keeps its own.
// eslint.config.mjs applies these; test/lint/boundaries.spec.ts proves they bite.

const message = (what) =>
  `${what}: SQL lives in the lib's repositories/ folder (docs/adding-a-domain.md, "Repository").`;

/** What SQL looks like outside a repository. */
export const SQL_OUTSIDE_REPOSITORIES = [
  {
    selector: 'CallExpression[callee.property.name=/^(query|prepared|getRepository|createQueryBuilder)$/]',
    message: message('A query outside a repository'),
  },
  {
    selector: "MemberExpression[property.name='em']",
    message: message("TenantContext's EntityManager outside a repository"),
  },
  {
    selector: "CallExpression[callee.object.property.name='db'][callee.property.name='insert']",
    message: message('An insert outside a repository'),
  },
  {
    selector: "ImportDeclaration[source.value='typeorm']",
    message: message('TypeORM query operators outside a repository or entity'),
  },
  {
    selector: 'ImportSpecifier[imported.name=/^(TenantRoundTrip|preparedStatement|inline)$/]',
    message: message('A one-round-trip statement outside a repository'),
  },
  {
    selector: "CallExpression[callee.property.name='transaction']",
    message:
      'A transaction with no tenant set: use SystemContext.run(reason, ...) (@conduit/database), which logs each use.',
  },
];

/** Flat-config entries; `keep` are the no-restricted-syntax entries these files have besides (a later entry's replace). */
export const repositoryConfigs = (keep = []) => [
  {
    files: ['libs/**/*.ts'],
    ignores: ['**/*.spec.ts', '**/repositories/**', '**/migrations/**', '**/entities/**', 'libs/database/**'],
    rules: { 'no-restricted-syntax': ['error', ...keep, ...SQL_OUTSIDE_REPOSITORIES] },
  },
];
