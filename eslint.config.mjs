// Strict where it pays (promises, exhaustive switches, package boundaries); quiet elsewhere.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { boundaryConfigs } from './eslint/boundaries.mjs';
import { controlPlaneConfigs } from './eslint/control-plane.mjs';
import { repositoryConfigs } from './eslint/repositories.mjs';

// Every thrown error carries a typed code: ConduitException (an HTTP answer), a CodedError subclass, or
// InvariantError / unreachable() for what cannot happen (libs/platform/src/errors).
const codedErrors = {
  selector: "ThrowStatement > NewExpression[callee.name='Error']",
  message: 'Throw a ConduitException, a CodedError subclass or an InvariantError: every error carries a code.',
};

const processEnv = { object: 'process', property: 'env', message: 'Read settings through libs/platform/config only.' };

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.data/**', 'coverage/**', 'scripts/**', '*.config.*', 'docker/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'off',
      // Prettier wraps code at 120 columns; this holds comments to it too (string and template literals, SQL
      // included, keep their lines: wrapping them would change their text).
      'max-len': [
        'error',
        { code: 120, ignoreStrings: true, ignoreTemplateLiterals: true, ignoreRegExpLiterals: true, ignoreUrls: true },
      ],
      'no-restricted-properties': ['error', processEnv],
    },
  },
  ...boundaryConfigs,
  {
    // Domain code: no `any`, no error without a code.
    files: ['libs/**/*.ts', 'apps/**/*.ts', 'src/**/*.ts'],
    ignores: ['**/*.spec.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      'no-restricted-syntax': ['error', codedErrors],
    },
  },
  // SQL only in repositories; outside a tenant only through SystemContext.
  ...repositoryConfigs([codedErrors]),
  // Control-plane tables in the core database whatever the tenant's isolation.
  ...controlPlaneConfigs([processEnv]),
  {
    // Entry points and tests may read the environment; tests may use `any` for HTTP bodies.
    files: ['src/**/*.ts', 'test/**/*.ts', 'bench/**/*.ts', '**/*.spec.ts'],
    rules: { 'no-restricted-properties': 'off', '@typescript-eslint/no-explicit-any': 'off' },
  },
);
