// Failed sign-in limiting for POST /api/v1/auth/login (docs/sessions.md). Failures are counted in three fixed windows
// of LOGIN_FAILURE_WINDOW_SECONDS: per account (the email as typed, lower-cased, known or not, so the answer never
// tells whether an address has an account), per (account, client address), and per client address alone with a much
// higher ceiling. One person's typos lock that person at that address; the account limit stops a guesser spread over
// many addresses; the address ceiling stops one address trying many accounts, high enough that an office behind one
// NAT does not lock itself out because of a few people's typos.
//
// Counters live in Redis (shared by every API replica; emails are hashed in the keys). While Redis is away or slow,
// each process counts on its own (fail open across replicas, never closed: a Redis outage does not stop sign-in).
import { Injectable, Logger, Optional } from '@nestjs/common';
import IORedis from 'ioredis';
import { ConduitConfig, InjectConfig, sha256Hex } from '@conduit/platform';
import { REDIS_CLIENT, RedisAvailability } from '@conduit/queues';
import { Inject } from '@nestjs/common';

export type LoginLimitScope = 'account' | 'account_address' | 'address';

export interface LoginLock {
  scope: LoginLimitScope;
  retryAfterSeconds: number;
}

// KEYS: the three counters. ARGV[1] = 'check' | 'fail', ARGV[2] window ms. Returns count, ms to expiry per key.
const SCRIPT = `
local out = {}
for i, key in ipairs(KEYS) do
  local n
  if ARGV[1] == 'fail' then
    n = redis.call('INCR', key)
    if n == 1 then redis.call('PEXPIRE', key, tonumber(ARGV[2])) end
  else
    n = tonumber(redis.call('GET', key) or '0')
  end
  local ttl = redis.call('PTTL', key)
  out[#out + 1] = n
  out[#out + 1] = ttl
end
return out`;

const REDIS_TIMEOUT_MS = 500;
/** Counters kept in this process while Redis is away (exported for the test). */
export const MAX_LOCAL_KEYS = 50_000;

@Injectable()
export class LoginLimiter {
  private readonly logger = new Logger('LoginLimiter');
  private readonly local = new Map<string, { count: number; until: number }>();
  private readonly script?: (...args: (string | number)[]) => Promise<number[]>;
  private warnedAt = 0;

  constructor(
    @InjectConfig() private readonly config: ConduitConfig,
    @Optional() @Inject(REDIS_CLIENT) private readonly redis?: IORedis,
    @Optional() private readonly availability?: RedisAvailability,
  ) {
    if (redis) {
      redis.defineCommand('conduitLoginLimit', { numberOfKeys: 3, lua: SCRIPT });
      const client = redis as unknown as { conduitLoginLimit: (...args: (string | number)[]) => Promise<number[]> };
      this.script = client.conduitLoginLimit.bind(redis);
    }
  }

  get windowSeconds(): number {
    return this.config.LOGIN_FAILURE_WINDOW_SECONDS;
  }

  /** The lock in force for this email at this address (the longest wait when several), or null. */
  async lockFor(email: string, address: string | null | undefined): Promise<LoginLock | null> {
    return this.evaluate(await this.run('check', email, address));
  }

  /** Counts one failed sign-in. */
  async recordFailure(email: string, address: string | null | undefined): Promise<void> {
    await this.run('fail', email, address);
  }

  /** A successful sign-in clears the (account, address) counter: that person at that address is fine again. */
  async recordSuccess(email: string, address: string | null | undefined): Promise<void> {
    const [, pair] = this.keys(email, address);
    this.local.delete(pair);
    if (!this.redis || !this.availability || this.availability.isDown) return;
    const redis = this.redis;
    await this.availability
      .call('clearing a sign-in counter', () => redis.del(pair), REDIS_TIMEOUT_MS)
      .catch(() => undefined);
  }

  private limits(): number[] {
    return [
      this.config.LOGIN_MAX_FAILURES_PER_ACCOUNT,
      this.config.LOGIN_MAX_FAILURES_PER_ACCOUNT_ADDRESS,
      this.config.LOGIN_MAX_FAILURES_PER_ADDRESS,
    ];
  }

  private keys(email: string, address: string | null | undefined): [string, string, string] {
    const base = `${this.config.REDIS_PREFIX}:login-failures`;
    const account = sha256Hex(email.toLowerCase());
    const ip = address ?? 'unknown';
    return [`${base}:account:${account}`, `${base}:account-address:${account}:${ip}`, `${base}:address:${ip}`];
  }

  private evaluate(counts: { count: number; ttlMs: number }[]): LoginLock | null {
    const scopes: LoginLimitScope[] = ['account', 'account_address', 'address'];
    const limits = this.limits();
    let lock: LoginLock | null = null;
    counts.forEach(({ count, ttlMs }, i) => {
      if (count < limits[i]) return;
      const wait = Math.max(1, Math.ceil((ttlMs > 0 ? ttlMs : this.windowSeconds * 1000) / 1000));
      if (!lock || wait > lock.retryAfterSeconds) lock = { scope: scopes[i], retryAfterSeconds: wait };
    });
    return lock;
  }

  private async run(
    op: 'check' | 'fail',
    email: string,
    address: string | null | undefined,
  ): Promise<{ count: number; ttlMs: number }[]> {
    const keys = this.keys(email, address);
    const windowMs = this.windowSeconds * 1000;
    if (this.script && this.availability && !this.availability.isDown) {
      const script = this.script;
      try {
        const out = await this.availability.call(
          op === 'fail' ? 'counting a failed sign-in' : 'reading sign-in counters',
          () => script(...keys, op, windowMs),
          REDIS_TIMEOUT_MS,
        );
        return keys.map((_, i) => ({ count: Number(out[i * 2]), ttlMs: Number(out[i * 2 + 1]) }));
      } catch (err) {
        if (Date.now() - this.warnedAt > 60_000) {
          this.warnedAt = Date.now();
          this.logger.warn(
            { err: (err as Error).message },
            'sign-in failure counters unavailable in Redis; counting in this process only',
          );
        }
      }
    }
    return keys.map((key) => this.runLocal(op, key, windowMs));
  }

  private runLocal(op: 'check' | 'fail', key: string, windowMs: number): { count: number; ttlMs: number } {
    const now = Date.now();
    let entry = this.local.get(key);
    if (entry && entry.until <= now) {
      this.local.delete(key);
      entry = undefined;
    }
    if (op === 'fail') {
      // Bounded: a flood of distinct emails forgets counters rather than growing without end, never a lock in force.
      if (!entry && this.local.size >= MAX_LOCAL_KEYS) this.makeRoom(now);
      entry = entry ?? { count: 0, until: now + windowMs };
      entry.count += 1;
      this.local.set(key, entry);
    }
    return { count: entry?.count ?? 0, ttlMs: entry ? entry.until - now : 0 };
  }

  /**
   * The in-process counters are full (a flood of distinct emails or addresses while Redis is away): drops the expired
   * ones, then, oldest first, the ones below their limit, down to half; a counter at its limit (a lock in force) goes
   * only if every one left is a lock, oldest first. One pass per half-full, so a flood costs O(1) per failure.
   */
  private makeRoom(now: number): void {
    for (const [key, entry] of this.local) if (entry.until <= now) this.local.delete(key);
    const target = MAX_LOCAL_KEYS / 2;
    if (this.local.size < target) return;
    const [account, pair, address] = this.limits();
    const limitOf = (key: string) =>
      key.includes(':account-address:') ? pair : key.includes(':account:') ? account : address;
    for (const [key, entry] of this.local) {
      if (this.local.size < target) return;
      if (entry.count < limitOf(key)) this.local.delete(key);
    }
    for (const key of this.local.keys()) {
      if (this.local.size < target) return;
      this.local.delete(key);
    }
  }
}
