// When the next attempt happens: the subscription's schedule with ±10% jitter, stretched by Retry-After (within
// bounds).

const JITTER = 0.1;
export const MAX_RETRY_DELAY_MS = 24 * 3600 * 1000;

export interface RetryDecision {
  /** The next attempt number, or null when the schedule is used up. */
  nextAttempt: number | null;
  delayMs: number;
}

/**
 * `attempt` is the number of the attempt that just failed (1-based); `schedule[i]` is the delay before attempt i + 1
 * in seconds, so attempt n is followed by schedule[n] while n < schedule.length.
 */
export function nextRetry(
  schedule: readonly number[],
  attempt: number,
  retryAfterSeconds?: number,
  random: () => number = Math.random,
): RetryDecision {
  if (attempt >= schedule.length) return { nextAttempt: null, delayMs: 0 };
  const base = (schedule[attempt] ?? 0) * 1000;
  const jittered = Math.max(0, Math.round(base * (1 + (random() * 2 - 1) * JITTER)));
  const floor = retryAfterSeconds === undefined ? 0 : retryAfterSeconds * 1000;
  return { nextAttempt: attempt + 1, delayMs: Math.min(Math.max(jittered, floor), MAX_RETRY_DELAY_MS) };
}
