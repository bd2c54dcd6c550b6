// The served OpenAPI document as a contract: Redocly's recommended rules find nothing in it, and a client generated
// from it (openapi-typescript types, openapi-fetch calls) type-checks strictly and works against the real service.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import openapiTS, { astToString } from 'openapi-typescript';
import ts from 'typescript';
import { TestApi, startTestApi } from '../support/test-api';

const ROOT = resolve(__dirname, '../..');
const CLIENT = join(ROOT, 'test/support/typed-client/first-hour-client.mts');
const run = promisify(execFile);

interface LintProblem {
  ruleId: string;
  severity: string;
  message: string;
  location: { pointer?: string }[];
}

/** Redocly CLI's lint of a document file under the repository's redocly.yaml, as its JSON report. */
async function redoclyLint(file: string): Promise<{ totals: Record<string, number>; problems: LintProblem[] }> {
  const cli = join(ROOT, 'node_modules/@redocly/cli/bin/cli.js');
  const args = [cli, 'lint', file, '--config', join(ROOT, 'redocly.yaml'), '--format=json'];
  // Exit code 1 when it finds errors: the report on stdout is what counts.
  const { stdout } = await run(process.execPath, args, {
    env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
  }).catch((err: { stdout?: string; stderr?: string }) => {
    if (!err.stdout) throw new Error(`redocly lint failed: ${err.stderr}`);
    return { stdout: err.stdout };
  });
  return JSON.parse(stdout);
}

/** Type errors, and every expression typed `any` or `never`, in `file` compiled strictly beside its imports. */
function typeProblems(file: string): string[] {
  const program = ts.createProgram([file], {
    strict: true,
    noEmit: true,
    // Reading a named field of a free-form object (an index signature) is an error, not a silent `unknown`.
    noPropertyAccessFromIndexSignature: true,
    target: ts.ScriptTarget.ES2022,
    lib: ['lib.es2023.d.ts'],
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    types: ['node'],
  });
  const problems = ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(file);
  // Values only: not module names, not the literals of type expressions (components['schemas']).
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) || ts.isTypeNode(node)) return;
    if (ts.isExpression(node)) {
      const type = checker.getTypeAtLocation(node);
      if (type.flags & (ts.TypeFlags.Any | ts.TypeFlags.Never))
        problems.push(`${node.getText()} is ${checker.typeToString(type)}`);
    }
    ts.forEachChild(node, visit);
  };
  if (source) visit(source);
  return problems;
}

describe('the OpenAPI document as a contract', () => {
  let api: TestApi;
  let document: Record<string, unknown>;
  let dir: string;
  let types: string;

  beforeAll(async () => {
    api = await startTestApi();
    const res = await api.request('GET', '/docs-json');
    expect(res.status).toBe(200);
    document = res.body;
    dir = mkdtempSync(join(tmpdir(), 'conduit-contract-'));
    // A request field with a default may be left out: without this option openapi-typescript makes it required
    // (openapi-ts/openapi-typescript#2489). Responses are unaffected: their fields are listed as required.
    types = astToString(await openapiTS(structuredClone(document) as never, { defaultNonNullable: false }));
  });
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await api.close();
  });

  it("passes Redocly's recommended rules (redocly.yaml) with no error, warning or ignored problem", async () => {
    const config = readFileSync(join(ROOT, 'redocly.yaml'), 'utf8');
    expect(config).toMatch(/^extends:\n {2}- recommended$/m);
    expect(config).not.toMatch(/^rules:/m);
    const file = join(dir, 'openapi.json');
    writeFileSync(file, JSON.stringify(document));
    const report = await redoclyLint(file);
    const problems = report.problems.map((p) => `${p.severity} ${p.ruleId} ${p.location[0]?.pointer}: ${p.message}`);
    expect(problems).toEqual([]);
    expect(report.totals).toMatchObject({ errors: 0, warnings: 0, ignored: 0 });
  });

  it('describes every JSON object so generated types accept its fields (no Record<string, never>)', () => {
    // openapi-typescript writes these for sections the document does not have; EmptyBodyDto is the body of actions
    // that take no fields (send {}), which is exactly what Record<string, never> says.
    const expected = [
      /^export type webhooks = Record<string, never>;$/m,
      /^export type \$defs = Record<string, never>;$/m,
      /^ {8}EmptyBodyDto: Record<string, never>;$/m,
    ];
    const rest = expected.reduce((text, line) => {
      expect(text).toMatch(line);
      return text.replace(line, '');
    }, types);
    const lines = rest.split('\n').filter((line) => line.includes('Record<string, never>'));
    expect(lines).toEqual([]);
  });

  it('gives a generated openapi-fetch client that type-checks strictly and works against the service', async () => {
    writeFileSync(join(dir, 'conduit-api.d.ts'), types);
    const client = join(dir, 'first-hour-client.mts');
    writeFileSync(client, readFileSync(CLIENT, 'utf8'));
    symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
    expect(typeProblems(client)).toEqual([]);

    const compiled = ts.transpileModule(readFileSync(client, 'utf8'), {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
    });
    writeFileSync(join(dir, 'first-hour-client.mjs'), compiled.outputText);
    await api.seedTenant('first-hour');
    const user = await api.seedUser('first-hour', 'tenant_admin');
    const { stdout } = await run(process.execPath, [
      join(dir, 'first-hour-client.mjs'),
      api.baseUrl,
      user.email,
      'correct-horse-battery-staple',
    ]);
    const result = JSON.parse(stdout);
    expect(result).toEqual({
      subscription: {
        id: expect.any(String),
        filter: { $and: [{ 'order.total': { $gte: 100 } }, { 'order.currency': { $in: ['EUR', 'USD'] } }] },
        retry_schedule: [0, 5, 300, 1800],
      },
      event: { id: expect.any(String), deliveries: 1 },
      memberships: [{ tenant_code: 'first-hour', role: 'tenant_admin' }],
    });
    const [stored] = await api.sql(`SELECT payload FROM webhook_events WHERE id = $1`, [result.event.id]);
    expect(stored.payload).toMatchObject({ order: { lines: [{ sku: 'A-1', quantity: 2, tags: ['gift'] }] } });
  });
});
