// The allowed import graph, as ESLint rules: apps -> domain libs -> shared libs. A lib is reached only through its
// alias (@conduit/<lib>, its index.ts: the public surface), never through its files; shared libs never import
// domain libs; libs never import apps. eslint.config.mjs applies these; test/lint/boundaries.spec.ts proves they bite.
import { readdirSync } from 'node:fs';
import { URL } from 'node:url';

/** Cross-cutting libs every domain may use. They import only each other. */
export const SHARED_LIBS = [
  'platform',
  'database',
  'access',
  'queues',
  'outbound-http',
  'signatures',
  'secrets',
  'audit',
];
/**
 * Domain libs: every other lib under libs/ (a new domain needs no entry here). Each owns its tables, services and
 * routes, and reaches another only through its public index.
 */
export const DOMAIN_LIBS = readdirSync(new URL('../libs', import.meta.url), { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && !SHARED_LIBS.includes(entry.name))
  .map((entry) => entry.name)
  .sort();
/**
 * Subpaths other code may import besides a lib's index (small, stable pieces with no Nest wiring), and any domain's
 * worker-only engine, `@conduit/<domain>/engine`: the worker composes it; the API never needs it.
 */
export const PUBLIC_SUBPATHS = ['@conduit/platform/crypto', '@conduit/chains/templates'];

const relative = {
  group: ['**/libs/*', '**/apps/*', '../../*'],
  message: 'Import other packages by alias (@conduit/<name>), never by relative path.',
};
const subpaths = [...PUBLIC_SUBPATHS.map((p) => p.replace('@conduit/', '')), `(${DOMAIN_LIBS.join('|')})/engine`];
const internals = {
  regex: `^@conduit/(?!(${subpaths.join('|')})$)(?!(api|worker)/)[a-z-]+/.+`,
  message: 'Import a lib through its public index (@conduit/<lib>), not its internal files.',
};
const apps = { regex: '^@conduit/(api|worker)(/.*)?$', message: 'Libs never import from apps.' };
const domains = {
  regex: `^@conduit/(${DOMAIN_LIBS.join('|')})(/.*)?$`,
  message:
    'Shared libs never import domain libs (invert it: a hook, an interface in the shared lib, or move the code).',
};

const engines = {
  regex: '^@conduit/[a-z-]+/engine$',
  message: 'The worker-only engines are composed by apps/worker; the API reaches a domain through its index.',
};

const otherApp = (app) => ({
  regex: `^@conduit/${app}(/.*)?$`,
  message: 'One app never imports another: what both need belongs in a lib.',
});

const rule = (...patterns) => ['error', { patterns }];

/** Flat-config entries, most general first (a later entry's no-restricted-imports replaces an earlier one's). */
export const boundaryConfigs = [
  { files: ['**/*.ts'], rules: { 'no-restricted-imports': rule(relative) } },
  // Apps, the operator entry points, tests and benches compose the libs; they may reach apps' bootstrap files too.
  {
    files: ['apps/api/**/*.ts'],
    ignores: ['**/*.spec.ts'],
    rules: { 'no-restricted-imports': rule(relative, internals, engines, otherApp('worker')) },
  },
  {
    files: ['apps/worker/**/*.ts'],
    ignores: ['**/*.spec.ts'],
    rules: { 'no-restricted-imports': rule(relative, internals, otherApp('api')) },
  },
  {
    files: ['libs/**/*.ts'],
    ignores: ['**/*.spec.ts'],
    rules: { 'no-restricted-imports': rule(relative, internals, apps) },
  },
  {
    files: SHARED_LIBS.map((lib) => `libs/${lib}/**/*.ts`),
    ignores: ['**/*.spec.ts'],
    rules: { 'no-restricted-imports': rule(relative, internals, apps, domains) },
  },
];
