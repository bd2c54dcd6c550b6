// Checks shared by the delivery suites, run after they exercised their paths against one database.
import type { TestApi } from './test-api';

/**
 * next_attempt_at is set exactly on pending and delivering rows: the due index, HOT claims and the reconcilers rely
 * on it. The suites' own rows keep it, and the database refuses a row that breaks it (constraint
 * webhook_deliveries_due_when_open), so no future code path can write a delivery no reconciler finds.
 */
export async function expectDueTimesConsistent(api: TestApi): Promise<void> {
  const [{ total, wrong }] = await api.sql<{ total: number; wrong: number }>(
    `SELECT count(*)::int AS total,
            count(*) FILTER (WHERE (status IN ('pending', 'delivering')) <> (next_attempt_at IS NOT NULL))::int AS wrong
       FROM webhook_deliveries`,
  );
  expect(total).toBeGreaterThan(10);
  expect(wrong).toBe(0);
  const refusal = (sql: string) =>
    api.sql(sql).then(
      () => 'written',
      (err: { code?: string }) => err.code,
    );
  // As the owner (no RLS in the way): an open row without a time, a finished row with one.
  expect(
    await refusal(
      `UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = NULL WHERE id = (SELECT id FROM webhook_deliveries LIMIT 1)`,
    ),
  ).toBe('23514');
  expect(
    await refusal(
      `UPDATE webhook_deliveries SET status = 'delivered', next_attempt_at = now() WHERE id = (SELECT id FROM webhook_deliveries LIMIT 1)`,
    ),
  ).toBe('23514');
}
