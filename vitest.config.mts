// Unit tests sit beside the code (*.spec.ts); end-to-end suites live in test/ and use real PostgreSQL and Redis.
// SWC compiles TypeScript because Nest's DI needs emitted decorator metadata.
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import swc from 'unplugin-swc';
import { defineConfig } from 'vitest/config';

const root = dirname(fileURLToPath(import.meta.url));
const alias = [
  { find: /^@conduit\/(platform|database)\/(.*)$/, replacement: `${root}/libs/$1/src/$2` },
  { find: /^@conduit\/([a-z-]+)\/engine$/, replacement: `${root}/libs/$1/src/engine` },
  { find: /^@conduit\/chains\/templates$/, replacement: `${root}/libs/chains/src/templates` },
  { find: /^@conduit\/(api|worker)\/(.*)$/, replacement: `${root}/apps/$1/src/$2` },
  { find: /^@conduit\/(api|worker)$/, replacement: `${root}/apps/$1/src` },
  { find: /^@conduit\/([a-z-]+)$/, replacement: `${root}/libs/$1/src` },
];

export default defineConfig({
  plugins: [
    swc.vite({
      jsc: {
        parser: { syntax: 'typescript', decorators: true },
        transform: { legacyDecorator: true, decoratorMetadata: true },
        target: 'es2022',
        keepClassNames: true,
      },
      module: { type: 'es6' },
    }),
  ],
  resolve: { alias },
  test: {
    globals: true,
    pool: 'forks',
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['libs/**/*.spec.ts', 'apps/**/*.spec.ts', 'test/lint/**/*.spec.ts', 'test/ops/**/*.spec.ts'],
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['test/**/*.e2e-spec.ts'],
          globalSetup: [resolve(root, 'test/support/global-setup.ts')],
          testTimeout: 30_000,
          hookTimeout: 60_000,
          maxWorkers: 2,
        },
      },
    ],
  },
});
