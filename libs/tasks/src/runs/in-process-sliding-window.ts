// The instance rate limit's stand-in while Redis is away (docs/tasks.md): the same sliding window log as
// the Redis script, kept in this process's memory, so it holds per process only.

/** How often at most idle keys (nothing in their window any more) are forgotten. */
const SWEEP_EVERY_MS = 60_000;

interface WindowLog {
  /** When each slot still in the window was taken, oldest first (ms of this process's clock). */
  taken: number[];
  windowMs: number;
}

export class InProcessSlidingWindow {
  private readonly logs = new Map<string, WindowLog>();
  private sweptAt = 0;

  /**
   * Takes a slot for key if fewer than max were taken in the window (ms) that ends at now, and answers 0; else takes
   * nothing and answers how many ms until one will be free.
   */
  take(key: string, max: number, windowMs: number, now: number): number {
    this.sweep(now);
    const log = this.prune(key, windowMs, now);
    if (log.taken.length < max) {
      log.taken.push(now);
      return 0;
    }
    // With a lowered max, more than max may still be in the window: wait until enough have left for one more.
    return Math.max(1, log.taken[log.taken.length - max] + windowMs - now);
  }

  /** Notes a slot taken elsewhere (in Redis), so that a fallback to this window starts from what this process sent. */
  record(key: string, windowMs: number, now: number): void {
    this.sweep(now);
    this.prune(key, windowMs, now).taken.push(now);
  }

  /** Keys holding anything: for tests. */
  get size(): number {
    return this.logs.size;
  }

  private prune(key: string, windowMs: number, now: number): WindowLog {
    let log = this.logs.get(key);
    if (!log) {
      log = { taken: [], windowMs };
      this.logs.set(key, log);
    }
    log.windowMs = windowMs;
    let gone = 0;
    // A slot taken exactly one window ago has left it: the window is the half-open interval (now - windowMs, now].
    while (gone < log.taken.length && log.taken[gone] <= now - windowMs) gone += 1;
    if (gone > 0) log.taken.splice(0, gone);
    return log;
  }

  private sweep(now: number): void {
    if (now - this.sweptAt < SWEEP_EVERY_MS) return;
    this.sweptAt = now;
    for (const [key, log] of this.logs) {
      const newest = log.taken[log.taken.length - 1];
      if (newest === undefined || newest <= now - log.windowMs) this.logs.delete(key);
    }
  }
}
