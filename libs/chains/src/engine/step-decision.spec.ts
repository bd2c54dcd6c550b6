import { DecisionInput, StepSummary, backoffMs, compensationPlan, decide } from './step-decision';

const step = (
  kind: 'step' | 'compensation',
  order: number,
  name: string,
  compensates: string | null = null,
): StepSummary => ({
  id: `${kind}-${order}`,
  kind,
  step_order: order,
  name,
  delay_seconds: 0,
  compensates,
});

const definition = [
  step('step', 1, 'pay'),
  step('step', 2, 'reserve'),
  step('step', 3, 'ship'),
  step('compensation', 1, 'refund', 'pay'),
  step('compensation', 2, 'release', 'reserve'),
  step('compensation', 3, 'cancel label', 'ship'),
  step('compensation', 4, 'notify'),
];

const input = (over: Partial<DecisionInput> = {}): DecisionInput => ({
  kind: 'step',
  stepOrder: 1,
  outcome: 'sent',
  attemptsInRound: 1,
  policy: { on_success_action: 'continue', on_failure_action: 'stop', max_retries: 3, retry_backoff_seconds: 1 },
  definition,
  succeeded: new Set(),
  compensationPlan: [],
  compensationFailedBefore: false,
  ...over,
});
const policy = (over: Partial<DecisionInput['policy']>) => ({ ...input().policy, ...over });

describe('decide', () => {
  it('continues to the next step, pauses before it, or stops the run early', () => {
    expect(decide(input())).toEqual({ type: 'next', step: definition[1], pause: false });
    expect(decide(input({ policy: policy({ on_success_action: 'pause' }) }))).toEqual({
      type: 'next',
      step: definition[1],
      pause: true,
    });
    expect(decide(input({ policy: policy({ on_success_action: 'stop' }) }))).toEqual({ type: 'complete' });
    expect(decide(input({ stepOrder: 3 }))).toEqual({ type: 'complete' });
    expect(decide(input({ stepOrder: 3, policy: policy({ on_success_action: 'pause' }) }))).toEqual({
      type: 'complete',
    });
  });

  it('goes on after a skipped step whatever on_success_action says', () => {
    expect(decide(input({ outcome: 'skipped', policy: policy({ on_success_action: 'stop' }) }))).toEqual({
      type: 'next',
      step: definition[1],
      pause: false,
    });
  });

  it('retries up to max_retries with exponential backoff, then fails', () => {
    const retry = policy({ on_failure_action: 'retry', max_retries: 2, retry_backoff_seconds: 2 });
    expect(decide(input({ outcome: 'failed', policy: retry, attemptsInRound: 1 }))).toEqual({
      type: 'retry',
      delayMs: 2000,
    });
    expect(decide(input({ outcome: 'failed', policy: retry, attemptsInRound: 2 }))).toEqual({
      type: 'retry',
      delayMs: 4000,
    });
    expect(decide(input({ outcome: 'failed', policy: retry, attemptsInRound: 3 }))).toEqual({
      type: 'fail',
      compensation: [],
    });
  });

  it('continues past a failure, or fails the run and plans the compensations of what succeeded, last first', () => {
    expect(decide(input({ outcome: 'failed', policy: policy({ on_failure_action: 'continue' }) }))).toEqual({
      type: 'next',
      step: definition[1],
      pause: false,
    });
    expect(decide(input({ stepOrder: 3, outcome: 'failed', succeeded: new Set(['pay', 'reserve']) }))).toEqual({
      type: 'fail',
      compensation: [definition[6], definition[4], definition[3]],
    });
    expect(decide(input({ outcome: 'failed' }))).toEqual({ type: 'fail', compensation: [] });
  });

  it('walks the compensation plan and reports whether every compensation succeeded', () => {
    const plan = [4, 2, 1];
    const comp = (order: number, over: Partial<DecisionInput> = {}) =>
      input({
        kind: 'compensation',
        stepOrder: order,
        compensationPlan: plan,
        policy: policy({ on_failure_action: 'continue' }),
        ...over,
      });
    expect(decide(comp(4))).toEqual({ type: 'compensate', step: definition[4] });
    expect(decide(comp(2, { outcome: 'failed' }))).toEqual({ type: 'compensate', step: definition[3] });
    expect(decide(comp(1))).toEqual({ type: 'compensation_done', status: 'completed' });
    expect(decide(comp(1, { compensationFailedBefore: true }))).toEqual({
      type: 'compensation_done',
      status: 'failed',
    });
    expect(decide(comp(4, { outcome: 'failed', policy: policy({ on_failure_action: 'stop' }) }))).toEqual({
      type: 'compensation_done',
      status: 'failed',
    });
  });
});

describe('backoff and plan', () => {
  it('doubles from the base and caps at an hour', () => {
    expect([1, 2, 3, 4].map((n) => backoffMs(1, n))).toEqual([1000, 2000, 4000, 8000]);
    expect(backoffMs(0, 5)).toBe(0);
    expect(backoffMs(3600, 3)).toBe(3600_000);
  });

  it('plans nothing when nothing succeeded', () => {
    expect(compensationPlan(definition, new Set())).toEqual([]);
  });
});
