// Per-subscription deliveries per second: one Redis counter per subscription and wall-clock second, shared by every
// worker.
import { Injectable } from '@nestjs/common';
import IORedis from 'ioredis';
import { Clock, ConduitConfig, InjectConfig } from '@conduit/platform';
import { InjectRedis } from '@conduit/queues';

export interface RateDecision {
  allowed: boolean;
  /** When refused: how long until the next second's budget opens. */
  retryInMs: number;
}

@Injectable()
export class SubscriptionRateLimiter {
  constructor(
    @InjectConfig() private readonly config: ConduitConfig,
    @InjectRedis() private readonly redis: IORedis,
    private readonly clock: Clock,
  ) {}

  async take(subscriptionId: string, perSecond: number): Promise<RateDecision> {
    const nowMs = this.clock.now().getTime();
    const second = Math.floor(nowMs / 1000);
    const key = `${this.config.REDIS_PREFIX}:webhooks:rate:${subscriptionId}:${second}`;
    const results = await this.redis.multi().incr(key).pexpire(key, 2000).exec();
    const count = Number(results?.[0]?.[1] ?? 0);
    if (count <= perSecond) return { allowed: true, retryInMs: 0 };
    // Spread the refused ones over the next second instead of waking them all at its first millisecond.
    return { allowed: false, retryInMs: (second + 1) * 1000 - nowMs + Math.floor(Math.random() * 1000) };
  }
}
