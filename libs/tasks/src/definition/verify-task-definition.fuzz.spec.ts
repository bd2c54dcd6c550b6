// Any JSON in any field gets an answer, never an exception: the verify route must not turn odd input into a 500.
import fc from 'fast-check';
import { TASK_DEFINITION_ERROR_CODES } from './verification';
import { verifyTaskDefinition } from './verify-task-definition';

const context = {
  instanceFieldNames: new Set(['region']),
  credentialNames: new Set(['token']),
  existingTasks: [{ task_tag: 'login', depends_on: [] }],
};
const codes = new Set<string>(TASK_DEFINITION_ERROR_CODES);
const templated = fc.oneof(
  fc.string(),
  fc.constantFrom('{{input.x}}', '{{', '}}', '{{instance.region}}', '{{credentials.token}}', '{{ a[0] }}', '/a/../b'),
);
const value = fc.oneof(fc.jsonValue(), templated, fc.dictionary(fc.string(), templated), fc.array(templated));

describe('verifyTaskDefinition on arbitrary input', () => {
  it('answers with known codes and never throws', () => {
    fc.assert(
      fc.property(
        fc.record(
          {
            name: value,
            task_tag: value,
            input_fields: fc.oneof(value, fc.array(fc.record({ name: value }))),
            output_fields: fc.oneof(
              value,
              fc.array(
                fc.record({
                  name: value,
                  path: fc.oneof(
                    value,
                    fc.string().map((s) => `$${s}`),
                  ),
                  type: value,
                  is_array: value,
                }),
              ),
            ),
            depends_on: fc.oneof(value, fc.array(fc.constantFrom('login', 'x', 'isolate'))),
            request: fc.oneof(
              value,
              fc.record(
                { method: value, path: value, query: value, headers: value, body: value },
                { requiredKeys: [] },
              ),
            ),
            execution_order: value,
            error_handling: fc.oneof(value, fc.record({ retries: value, backoff: value, timeout_ms: value })),
            ingest_cases: value,
            case_ingestion_config: value,
            status: value,
          },
          { requiredKeys: [] },
        ),
        (def) => {
          const result = verifyTaskDefinition(def, context);
          expect(result.valid).toBe(result.errors.length === 0);
          for (const error of result.errors) {
            expect(codes.has(error.code)).toBe(true);
            expect(typeof error.field).toBe('string');
            expect(error.message.length).toBeGreaterThan(0);
          }
        },
      ),
      { numRuns: 1000 },
    );
    // About 0.7 s alone; the default 5 s is too tight beside e2e suites on two busy cores.
  }, 30_000);
});
