// The import-graph rules of eslint/boundaries.mjs, fed forbidden and allowed imports: a rule that stopped biting
// (a typo in a glob, a lib added to the wrong list) fails here rather than letting the layering rot silently.
import type { Linter } from 'eslint';
import { lintProblems } from './lint-problems';

interface Boundaries {
  boundaryConfigs: Linter.Config[];
  SHARED_LIBS: string[];
  DOMAIN_LIBS: string[];
}

describe('import boundaries', () => {
  let boundaries: Boundaries;

  beforeAll(async () => {
    boundaries = (await import('../../eslint/boundaries.mjs' as string)) as Boundaries;
  });

  const problems = (filename: string, code: string): string[] =>
    lintProblems(boundaries.boundaryConfigs, filename, code);

  it.each([
    [
      'a shared lib importing a domain lib',
      'libs/database/src/x.ts',
      "import { EventsService } from '@conduit/webhooks';",
      'Shared libs never import domain libs',
    ],
    [
      'a lib importing an app',
      'libs/webhooks/src/x.ts',
      "import { createApiApp } from '@conduit/api/bootstrap';",
      'Libs never import from apps',
    ],
    [
      'a lib reaching into another lib’s files',
      'libs/chains/src/x.ts',
      "import { SubscriptionEntity } from '@conduit/webhooks/entities/subscription.entity';",
      'public index',
    ],
    [
      'a lib reaching past a public subpath',
      'libs/tasks/src/x.ts',
      "import { compileExpression } from '@conduit/chains/templates/expression';",
      'public index',
    ],
    [
      'the API reaching a worker-only engine',
      'apps/api/src/x.ts',
      "import { DeliveryEngine } from '@conduit/webhooks/engine';",
      'worker-only engines',
    ],
    [
      'an app reaching into a lib’s files',
      'apps/api/src/x.ts',
      "import { TenantRoundTrip } from '@conduit/database/tenant-round-trip';",
      'public index',
    ],
    [
      'the API importing the worker app',
      'apps/api/src/x.ts',
      "import { createWorkerApp } from '@conduit/worker/bootstrap';",
      'One app never imports another',
    ],
    [
      'a relative import across libs',
      'libs/chains/src/engine/x.ts',
      "import { EventsService } from '../../../webhooks/src';",
      'by alias',
    ],
  ])('refuses %s', (_, filename, code, message) => {
    const found = problems(filename, code);
    expect(found).toHaveLength(1);
    expect(found[0]).toContain('no-restricted-imports');
    expect(found[0]).toContain(message);
  });

  it.each([
    [
      'the worker composing an engine',
      'apps/worker/src/x.ts',
      "import { DeliveryEngine } from '@conduit/webhooks/engine';",
    ],
    [
      'a domain lib using another domain’s public index',
      'libs/chains/src/x.ts',
      "import { EventsService } from '@conduit/webhooks';",
    ],
    [
      'a domain lib using shared libs',
      'libs/ingestion/src/x.ts',
      "import { TenantContext } from '@conduit/database';\nimport { hmacSha256 } from '@conduit/platform/crypto';",
    ],
    [
      'a domain lib using the chains’ template parser (a public subpath, no Nest wiring)',
      'libs/tasks/src/x.ts',
      "import { templateParts } from '@conduit/chains/templates';",
    ],
    [
      'a shared lib using another shared lib',
      'libs/secrets/src/x.ts',
      "import { AuditService } from '@conduit/audit';",
    ],
    ['an app composing domain libs', 'apps/api/src/x.ts', "import { EventsService } from '@conduit/webhooks';"],
    [
      'a test reaching an app’s bootstrap',
      'test/e2e/x.e2e-spec.ts',
      "import { createApiApp } from '@conduit/api/bootstrap';",
    ],
  ])('allows %s', (_, filename, code) => {
    expect(problems(filename, code)).toEqual([]);
  });

  it('classifies every lib under libs/ as shared or domain', async () => {
    const { readdirSync } = await import('node:fs');
    const libs = readdirSync('libs', { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => d.name);
    expect([...boundaries.SHARED_LIBS, ...boundaries.DOMAIN_LIBS].sort()).toEqual(libs.sort());
  });
});
