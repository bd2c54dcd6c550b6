// Lints one snippet of TypeScript as a file of the tree with the given flat-config entries, for the specs that prove
// the project's own rules bite (boundaries, repositories).
import { Linter } from 'eslint';
import tseslint from 'typescript-eslint';

const linter = new Linter({ configType: 'flat' });

/** `ruleId: message` of every problem found. */
export function lintProblems(configs: Linter.Config[], filename: string, code: string): string[] {
  return linter
    .verify(code, [{ files: ['**/*.ts'], languageOptions: { parser: tseslint.parser as Linter.Parser } }, ...configs], {
      filename,
    })
    .map((m) => `${m.ruleId}: ${m.message}`);
}
