// One worker process's share of a burst to a rate-limited instance, for test/e2e/instance-rate-limit.e2e-spec.ts:
// `node -r @swc-node/register test/support/rate-limited-sender.ts`. Waits at RECEIVER_URL/start until the test lets
// every sender go at once, then asks for COUNT slots together and sends one request to RECEIVER_URL/hit per slot.
import 'reflect-metadata';
import { createRedisClient } from '@conduit/queues';
import { InstanceRateLimiter } from '@conduit/tasks';

async function main(): Promise<void> {
  const env = process.env;
  const receiver = env.RECEIVER_URL as string;
  const count = Number(env.COUNT);
  const limit = { max: Number(env.MAX), per_seconds: Number(env.PER_SECONDS) };
  const redis = createRedisClient(env.REDIS_URL as string);
  await new Promise<void>((resolve) => (redis.status === 'ready' ? resolve() : redis.once('ready', () => resolve())));
  const limiter = new InstanceRateLimiter(redis, { keyPrefix: env.KEY_PREFIX });
  console.log('ready');

  await fetch(`${receiver}/start`);
  await Promise.all(
    Array.from({ length: count }, async (_, i) => {
      await limiter.acquire(env.TENANT_ID as string, env.INSTANCE_ID as string, limit);
      const res = await fetch(`${receiver}/hit`, { method: 'POST', body: `${env.SENDER} ${i}` });
      await res.text();
    }),
  );
  console.log('done');
  redis.disconnect();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
