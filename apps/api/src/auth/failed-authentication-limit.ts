// Failed authentications per client address. Past the limit the address is refused with 429 for a while, before any
// credential is checked (each check costs queries and, for a known key, an audit row). Counters live in the rate
// limiter's storage (Redis, shared by replicas); each process also remembers the blocks it has been told of, so a
// blocked address is refused without a round trip and the success path costs nothing. A replica learns of a block
// at that address's first failure there.
import type { ThrottlerStorage } from '@nestjs/throttler';

const WINDOW_MS = 60_000;
const BLOCK_MS = 60_000;
const MAX_REMEMBERED_BLOCKS = 10_000;

export class FailedAuthenticationLimit {
  private readonly blockedUntil = new Map<string, number>();

  constructor(
    private readonly storage: ThrottlerStorage,
    /** failures per address per minute; the one after it is refused */
    readonly limit: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Seconds until the address may try again, or 0 when it is not blocked (as far as this process knows). */
  retryAfter(address: string): number {
    const until = this.blockedUntil.get(address);
    if (until === undefined) return 0;
    const left = until - this.now();
    if (left > 0) return Math.ceil(left / 1000);
    this.blockedUntil.delete(address);
    return 0;
  }

  /** Counts one failure; the seconds to wait when it went over the limit, else 0. */
  async recordFailure(address: string): Promise<number> {
    const record = await this.storage.increment(
      `ip:${address}`,
      WINDOW_MS,
      this.limit,
      BLOCK_MS,
      'failed-authentication',
    );
    if (!record.isBlocked) return 0;
    // Bounded: a flood from many addresses forgets old blocks rather than growing without end (Redis still has them).
    if (this.blockedUntil.size >= MAX_REMEMBERED_BLOCKS) this.blockedUntil.clear();
    const seconds = Math.max(1, record.timeToBlockExpire);
    this.blockedUntil.set(address, this.now() + seconds * 1000);
    return seconds;
  }
}
