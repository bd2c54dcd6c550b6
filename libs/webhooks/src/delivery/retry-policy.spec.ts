import { MAX_RETRY_DELAY_MS, nextRetry } from './retry-policy';

describe('nextRetry', () => {
  const schedule = [0, 5, 300];

  it('follows the schedule: attempt n waits schedule[n], then the schedule is used up', () => {
    expect(nextRetry(schedule, 1, undefined, () => 0.5)).toEqual({ nextAttempt: 2, delayMs: 5000 });
    expect(nextRetry(schedule, 2, undefined, () => 0.5)).toEqual({ nextAttempt: 3, delayMs: 300_000 });
    expect(nextRetry(schedule, 3, undefined, () => 0.5)).toEqual({ nextAttempt: null, delayMs: 0 });
  });

  it('jitters by at most ten per cent either way, never below zero', () => {
    expect(nextRetry(schedule, 1, undefined, () => 0).delayMs).toBe(4500);
    expect(nextRetry(schedule, 1, undefined, () => 0.999999).delayMs).toBe(5500);
    expect(nextRetry([0, 0], 1, undefined, () => 0).delayMs).toBe(0);
  });

  it('waits at least Retry-After, at most a day', () => {
    expect(nextRetry(schedule, 1, 60, () => 0.5).delayMs).toBe(60_000);
    expect(nextRetry(schedule, 2, 60, () => 0.5).delayMs).toBe(300_000);
    expect(nextRetry(schedule, 1, 10 * 86400, () => 0.5).delayMs).toBe(MAX_RETRY_DELAY_MS);
  });
});
