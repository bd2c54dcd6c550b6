// Checks shared by the delivery suites, run after they exercised their paths against one database.
import type { TestApi } from './test-api';

/** next_attempt_at is set exactly on pending and delivering rows: the due index and HOT claims rely on it. */
export async function expectDueTimesConsistent(api: TestApi): Promise<void> {
  const [{ total, wrong }] = await api.sql<{ total: number; wrong: number }>(
    `SELECT count(*)::int AS total,
            count(*) FILTER (WHERE (status IN ('pending', 'delivering')) <> (next_attempt_at IS NOT NULL))::int AS wrong
       FROM webhook_deliveries`,
  );
  expect(total).toBeGreaterThan(10);
  expect(wrong).toBe(0);
}
