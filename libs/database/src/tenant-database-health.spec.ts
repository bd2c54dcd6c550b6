import { ConnectionBudget, ConnectionBudgetTimeoutError } from './connection-budget';
import { BACKOFF_MAX_MS, TenantDatabaseHealth } from './tenant-database-health';
import { mapConcurrently } from './tenant-databases';

describe('TenantDatabaseHealth', () => {
  it('is error on the first failure, disconnected on the third in a row, connected again on success', () => {
    const h = new TenantDatabaseHealth();
    expect(h.status).toBeUndefined();
    expect(h.failed(0)).toBe(true);
    expect(h.status).toBe('error');
    expect(h.backoffRemainingMs(0)).toBe(1000);
    expect(h.failed(1000)).toBe(false); // still error, backoff doubled
    expect(h.backoffRemainingMs(1000)).toBe(2000);
    expect(h.failed(3000)).toBe(true);
    expect(h.status).toBe('disconnected');
    expect(h.backoffRemainingMs(3000)).toBe(4000);
    expect(h.succeeded()).toBe(true);
    expect(h.status).toBe('connected');
    expect(h.backoffRemainingMs(3000)).toBe(0);
    expect(h.succeeded()).toBe(false); // no change: nothing to write
  });

  it('does not lengthen the backoff for failures during it (a restart drops every connection at once)', () => {
    const h = new TenantDatabaseHealth();
    h.failed(0);
    h.failed(10);
    h.failed(20);
    expect(h.status).toBe('error');
    expect(h.backoffRemainingMs(20)).toBe(980);
    expect(h.errors).toBe(3);
    expect(h.probeDue(999)).toBe(false);
    expect(h.probeDue(1000)).toBe(true);
  });

  it('ends its backoff when another process connected, and doubles it again if the probe then fails', () => {
    const h = new TenantDatabaseHealth();
    h.failed(0);
    h.failed(1000);
    expect(h.probeDue(1500)).toBe(false);
    h.endBackoff(1500);
    expect(h.probeDue(1500)).toBe(true);
    expect(h.backoffRemainingMs(1500)).toBe(0);
    h.failed(1500);
    expect(h.backoffRemainingMs(1500)).toBe(4000);
    new TenantDatabaseHealth().endBackoff(0); // never failed: nothing to end
  });

  it('doubles up to 60 s', () => {
    const h = new TenantDatabaseHealth();
    let now = 0;
    for (let i = 0; i < 10; i++) {
      h.failed(now);
      now += h.backoffRemainingMs(now);
    }
    h.failed(now);
    expect(h.backoffRemainingMs(now)).toBe(BACKOFF_MAX_MS);
  });
});

describe('ConnectionBudget', () => {
  it('bounds the slots, evicts for a waiter, and hands a given-back slot to the first waiter', async () => {
    const evictions: number[] = [];
    const budget = new ConnectionBudget(2, () => (evictions.push(1), true));
    const a = await budget.acquire(0);
    await budget.acquire(0);
    expect(budget.used).toBe(2);
    let granted = false;
    const waiting = budget.acquire(0).then((release) => ((granted = true), release));
    expect(budget.waiting).toBe(1);
    expect(evictions).toHaveLength(1);
    await Promise.resolve();
    expect(granted).toBe(false);
    a();
    a(); // once only
    const c = await waiting;
    expect(granted).toBe(true);
    expect(budget.used).toBe(2);
    c();
    expect(budget.used).toBe(1);
  });

  it('gives up after the timeout when nothing can be closed', async () => {
    const budget = new ConnectionBudget(1, () => false);
    await budget.acquire(0);
    await expect(budget.acquire(20)).rejects.toBeInstanceOf(ConnectionBudgetTimeoutError);
    expect(budget.waiting).toBe(0);
    expect(budget.used).toBe(1);
  });
});

describe('mapConcurrently', () => {
  it('runs at most `limit` at once and keeps the order', async () => {
    let running = 0;
    let most = 0;
    const out = await mapConcurrently([5, 1, 4, 2, 3, 0, 6, 7, 8, 9], 3, async (n) => {
      running += 1;
      most = Math.max(most, running);
      await new Promise((r) => setTimeout(r, n));
      running -= 1;
      return n * 2;
    });
    expect(out).toEqual([10, 2, 8, 4, 6, 0, 12, 14, 16, 18]);
    expect(most).toBe(3);
  });
});
