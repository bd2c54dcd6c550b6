import type { TenantContext } from '@conduit/database';
import type { TenantId } from '@conduit/platform';
import type { TaskEntity } from '@conduit/tasks';
import type { TaskCallResult } from '@conduit/tasks/engine';
import type { CaseEventsRepository } from '../repositories/case-events.repository';
import { EnrichmentCall, EnrichmentFailed, IngestionEnrichment } from './ingestion-enrichment';

// The pure part of enrichment: which items are called for, with which inputs, and what a failure gives. The stored
// ids come from a stand-in repository here; the SQL and the poller: test/e2e/cases-enrichment.e2e-spec.ts.
const task = (tag: string, over: Partial<TaskEntity> = {}): TaskEntity =>
  ({
    task_tag: tag,
    status: 'active',
    depends_on: [],
    execution_order: 0,
    task_id: 1,
    input_fields: [],
    output_fields: [],
    request: { method: 'GET', path: '/' },
    error_handling: { retries: 0, backoff: 'none', backoff_ms: 0, timeout_ms: 1000 },
    case_ingestion_config: null,
    ...over,
  }) as unknown as TaskEntity;

const ok = (outputs: Record<string, unknown>): TaskCallResult => ({
  status: 'success',
  outputs,
  records_processed: 0,
  response_status: 200,
  attempts: [],
  error: null,
});
const failed: TaskCallResult = {
  status: 'failure',
  outputs: null,
  records_processed: 0,
  response_status: 500,
  attempts: [],
  error: { code: 'http_error', message: 'the tool answered HTTP 500' },
};

function setup(dependentTasks: unknown[], others: TaskEntity[], stored: string[] = []) {
  const calls: { tag: string; input: Record<string, unknown> }[] = [];
  let answer: (tag: string, input: Record<string, unknown>) => TaskCallResult = (tag, input) =>
    ok({ tag, id: input.alert_id });
  const call: EnrichmentCall = (t, input) => {
    calls.push({ tag: t.task_tag, input: input as Record<string, unknown> });
    return Promise.resolve(answer(t.task_tag, input as Record<string, unknown>));
  };
  const db = { runInTenant: (_: TenantId, fn: () => unknown) => fn() } as unknown as TenantContext;
  const repo = {
    existing: (_t: TenantId, _s: string, ids: string[]) =>
      Promise.resolve(new Set(ids.filter((i) => stored.includes(i)))),
  } as unknown as CaseEventsRepository;
  const ingestion = task('pull', { case_ingestion_config: { dependent_tasks: dependentTasks } });
  const deps: Record<string, Record<string, unknown>> = {};
  const prepare = () =>
    new IngestionEnrichment(db, repo).prepare({
      tenantId: 't' as TenantId,
      instanceUuid: 'i',
      task: ingestion,
      all: [ingestion, ...others],
      mapping: { field_mapping: { external_id: '$.id' }, filter: "item.level != 'debug'" },
      call,
      deps,
    });
  return { calls, deps, prepare, setAnswer: (a: typeof answer) => (answer = a) };
}

const counts = () => ({ enriched: 0, enrichment_failed: 0 });

describe('IngestionEnrichment', () => {
  it('is null without dependent tasks (the poller does nothing more per page)', async () => {
    expect(await setup([], []).prepare()).toBeNull();
  });

  it('calls each dependent task for each new item with the selected inputs and the task’s defaults', async () => {
    const details = task('details', {
      input_fields: [
        { name: 'alert_id', type: 'text' },
        { name: 'verbose', type: 'boolean', default: false },
        { name: 'region', type: 'text', default: 'eu' },
      ] as TaskEntity['input_fields'],
    });
    const s = setup(
      [{ task_tag: 'details', input: { alert_id: '$.id', verbose: "item.level == 'high'" } }, 'host'],
      [details, task('host')],
      ['a0'],
    );
    const enricher = (await s.prepare())!;
    const c = counts();
    const items = [
      { id: 'a0', level: 'high' }, // stored already
      { id: 'a1', level: 'high' },
      { id: 'a1', level: 'low' }, // a repeat within the page
      { id: 'a2', level: 'debug' }, // filtered
      { level: 'high' }, // no external id: invalid
      { id: 7, level: 'low' },
    ];
    const result = await enricher.enrich(items, c);
    expect([...result.keys()]).toEqual(['a1', '7']);
    expect(result.get('a1')).toEqual({ details: { tag: 'details', id: 'a1' }, host: { tag: 'host', id: undefined } });
    expect(s.calls.filter((x) => x.tag === 'details').map((x) => x.input)).toEqual([
      { alert_id: 'a1', verbose: true, region: 'eu' },
      { alert_id: 7, verbose: false, region: 'eu' },
    ]);
    expect(s.calls.filter((x) => x.tag === 'host').map((x) => x.input)).toEqual([{}, {}]);
    expect(c).toEqual({ enriched: 2, enrichment_failed: 0 });
  });

  it('keeps a failed call as { error } under skip: a selector that fails, a failed call, an inactive task', async () => {
    const s = setup(
      [
        { task_tag: 'details', input: { alert_id: 'item.missing.deeper' } },
        { task_tag: 'host', on_error: 'skip' },
        'old',
      ],
      [task('details'), task('host'), task('old', { status: 'inactive' })],
    );
    s.setAnswer((tag) => (tag === 'host' ? failed : ok({})));
    const c = counts();
    const result = await (await s.prepare())!.enrich([{ id: 'a1', level: 'low' }], c);
    expect(result.get('a1')).toEqual({
      details: { error: { code: 'input_failed', message: expect.stringContaining('alert_id') } },
      host: { error: { code: 'http_error', message: 'the tool answered HTTP 500' } },
      old: { error: { code: 'task_not_runnable', message: expect.stringContaining('inactive') } },
    });
    expect(s.calls.map((x) => x.tag)).toEqual(['host']);
    expect(c).toEqual({ enriched: 0, enrichment_failed: 1 });
  });

  it('fails the page under on_error fail', async () => {
    const s = setup([{ task_tag: 'details', input: { alert_id: '$.id' }, on_error: 'fail' }], [task('details')]);
    s.setAnswer((_, input) => (input.alert_id === 'a2' ? failed : ok({ fine: true })));
    const c = counts();
    const enricher = (await s.prepare())!;
    const err = await enricher
      .enrich(
        [
          { id: 'a1', level: 'low' },
          { id: 'a2', level: 'low' },
          { id: 'a3', level: 'low' },
        ],
        c,
      )
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EnrichmentFailed);
    expect(err).toMatchObject({ code: 'enrichment_failed', call: failed });
    expect((err as Error).message).toContain('"a2"');
    expect(c.enrichment_failed).toBe(1);
    expect(c.enriched).toBe(0);
  });

  it('runs a dependent task’s own dependencies once per run, before its first call', async () => {
    const s = setup(['details'], [task('details', { depends_on: ['login'] }), task('login')]);
    s.setAnswer((tag) => ok(tag === 'login' ? { token: 'x' } : { ok: true }));
    const enricher = (await s.prepare())!;
    await enricher.enrich([{ id: 'a1', level: 'low' }], counts());
    await enricher.enrich([{ id: 'a2', level: 'low' }], counts());
    expect(s.calls.map((x) => x.tag)).toEqual(['login', 'details', 'details']);
    expect(s.deps).toEqual({ login: { token: 'x' } });
  });
});
