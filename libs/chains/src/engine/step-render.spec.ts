import { EvaluationBudgetError } from '../templates';
import { StepRenderError, renderStep, stepPlan } from './step-render';
import type { StepDetail } from '../repositories/step-store';

let ids = 0;
function step(extra: Partial<StepDetail>): StepDetail {
  ids += 1;
  return {
    id: `step-${ids}`,
    kind: 'step',
    step_order: 1,
    name: 'One',
    delay_seconds: 0,
    compensates: null,
    step_type: 'webhook',
    instance_uuid: null,
    task_tag: null,
    task_input: null,
    request_params: null,
    headers: null,
    condition: null,
    on_success_action: 'continue',
    on_failure_action: 'stop',
    max_retries: 0,
    retry_backoff_seconds: 1,
    ...extra,
  };
}

const input = (triggerData: unknown = {}) => ({
  run: {
    id: 'run-1',
    chain_id: 'chain-1',
    trigger_event: 'x',
    trigger_event_id: null,
    created_at: new Date('2026-01-01T00:00:00Z'),
  },
  triggerData,
  steps: [],
  now: new Date('2026-01-01T00:00:01Z'),
});

describe('step rendering', () => {
  it('fills credentials into what is sent and [REDACTED] into what is stored, evaluating once', () => {
    const s = step({
      request_params: { k: '{{credentials.key}}', n: '{{trigger_data.n}}' },
      headers: { Authorization: 'Bearer {{credentials.key}}', 'X-N': '{{trigger_data.n}}' },
    });
    expect(stepPlan(s)).toEqual({ credentials: new Set(['key']), budgeted: false });
    expect(renderStep(s, input({ n: 2 }), { key: 'sk_1' })).toEqual({
      skipped: false,
      body: { k: 'sk_1', n: 2 },
      maskedBody: { k: '[REDACTED]', n: 2 },
      headers: { Authorization: 'Bearer sk_1', 'X-N': '2' },
      maskedHeaders: { Authorization: 'Bearer [REDACTED]', 'X-N': '2' },
    });
    expect(() => renderStep(s, input({ n: 2 }), {})).toThrow(/no credential named key/);
    expect(() => renderStep(step({ request_params: { k: '{{credentials.constructor}}' } }), input(), {})).toThrow(
      /no credential named constructor/,
    );
  });

  it('refuses what cannot be stored or sent, naming the field and not the value', () => {
    expect(() => renderStep(step({ request_params: { a: ["{{ 'x\\u0000y' }}"] } }), input(), {})).toThrow(
      /request_params\.a\[0\]: the rendered value contains a NUL/,
    );
    expect(() => renderStep(step({ request_params: { a: '{{ 1.0 / 0.0 }}' } }), input(), {})).toThrow(
      /beyond double range/,
    );
    const header = step({ headers: { 'X-A': 'v={{ trigger_data.v }}' } });
    expect(() => renderStep(header, input({ v: 'a\r\nInjected: 1' }), {})).toThrow(StepRenderError);
    expect(() => renderStep(header, input({ v: 'a\r\nInjected: 1' }), {})).not.toThrow(/Injected/);
  });

  it('skips on a false condition and evaluates costly expressions within the budget', () => {
    expect(renderStep(step({ condition: 'trigger_data.go' }), input({ go: false }), {})).toEqual({ skipped: true });
    const slow = step({
      request_params: { n: '{{ trigger_data.l.map(a, trigger_data.l.filter(b, b > a).size()).size() }}' },
    });
    expect(stepPlan(slow).budgeted).toBe(true);
    const started = Date.now();
    expect(() => renderStep(slow, input({ l: Array.from({ length: 20_000 }, (_, i) => i) }), {})).toThrow(
      EvaluationBudgetError,
    );
    expect(Date.now() - started).toBeLessThan(3000);
  });
});
