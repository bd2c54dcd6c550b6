import { TenantId, asTenantId } from '@conduit/platform';
import { GroupCommitOptions, GroupCommitQueue } from './group-commit-queue';

const A = asTenantId('tenant-a');
const B = asTenantId('tenant-b');

interface Commit {
  tenantId: TenantId;
  items: string[];
}

/** A queue over a commit that records each call, fails any batch holding 'bad', and waits for `gate` when given. */
function queue(options: Partial<GroupCommitOptions<string>> = {}, gate?: Promise<void>) {
  const commits: Commit[] = [];
  const q = new GroupCommitQueue<string, string>(
    async (tenantId, items) => {
      commits.push({ tenantId, items });
      if (gate) await gate;
      if (items.includes('bad')) throw new Error('cannot store bad');
      return items.map((i) => `${tenantId}:${i}`);
    },
    {
      earlyFlush: 32,
      maxBatch: 500,
      maxBatchBytes: 1_000_000,
      maxParallelFlushes: 8,
      sizeOf: (i) => i.length,
      divisible: () => true,
      detach: (flush) => flush(),
      ...options,
    },
  );
  return { q, commits };
}

describe('GroupCommitQueue', () => {
  it('commits what is submitted in one turn as one batch per tenant, and answers each caller with its own output', async () => {
    const { q, commits } = queue();
    const answers = await Promise.all([q.submit(A, 'a1'), q.submit(B, 'b1'), q.submit(A, 'a2'), q.submit(A, 'a3')]);
    expect(answers).toEqual(['tenant-a:a1', 'tenant-b:b1', 'tenant-a:a2', 'tenant-a:a3']);
    expect(commits).toEqual([
      { tenantId: A, items: ['a1', 'a2', 'a3'] },
      { tenantId: B, items: ['b1'] },
    ]);
  });

  it('starts a flush at once when a batch is full, without waiting for the end of the turn', () => {
    const { q, commits } = queue({ earlyFlush: 3 });
    for (const item of ['1', '2', '3', '4']) void q.submit(A, item);
    // Synchronously: the first three went; the fourth waits for the turn to end.
    expect(commits).toEqual([{ tenantId: A, items: ['1', '2', '3'] }]);
  });

  it('bounds a flush by bytes (an item over the bound still goes, alone)', async () => {
    const { q, commits } = queue({ maxBatchBytes: 10 });
    await Promise.all(['aaaa', 'bbbb', 'cccc', 'x'.repeat(30), 'dd'].map((i) => q.submit(A, i)));
    expect(commits.map((c) => c.items)).toEqual([['aaaa', 'bbbb'], ['cccc'], ['x'.repeat(30)], ['dd']]);
  });

  it('runs at most maxParallelFlushes at a time; what arrives meanwhile waits and goes together', async () => {
    let open!: () => void;
    const gate = new Promise<void>((r) => (open = r));
    const { q, commits } = queue({ maxParallelFlushes: 1 }, gate);
    const first = q.submit(A, 'first');
    await new Promise((r) => setImmediate(r));
    expect(commits).toHaveLength(1);
    const later = ['2', '3', '4'].map((i) => q.submit(A, i));
    await new Promise((r) => setImmediate(r));
    expect(commits).toHaveLength(1);
    open();
    await Promise.all([first, ...later]);
    expect(commits.map((c) => c.items)).toEqual([['first'], ['2', '3', '4']]);
  });

  it('holds what a tenant submits while its batch is in flight for the next batch, without holding other tenants', async () => {
    let open!: () => void;
    const gate = new Promise<void>((r) => (open = r));
    const { q, commits } = queue({}, gate);
    const first = q.submit(A, 'a1');
    await new Promise((r) => setImmediate(r));
    const later = [q.submit(A, 'a2'), q.submit(B, 'b1'), q.submit(A, 'a3')];
    await new Promise((r) => setImmediate(r));
    expect(commits.map((c) => c.items)).toEqual([['a1'], ['b1']]);
    open();
    await Promise.all([first, ...later]);
    expect(commits.map((c) => c.items)).toEqual([['a1'], ['b1'], ['a2', 'a3']]);
  });

  it('fails only the item at fault: a failed batch is committed again in halves', async () => {
    const splits: number[] = [];
    const { q, commits } = queue({ observe: { split: (n) => splits.push(n) } });
    const items = ['1', '2', '3', 'bad', '5', '6', '7'];
    const outcomes = await Promise.allSettled(items.map((i) => q.submit(A, i)));
    expect(outcomes.map((o) => o.status)).toEqual([
      'fulfilled',
      'fulfilled',
      'fulfilled',
      'rejected',
      'fulfilled',
      'fulfilled',
      'fulfilled',
    ]);
    expect((outcomes[3] as PromiseRejectedResult).reason).toEqual(new Error('cannot store bad'));
    // 7 -> 4 (bad) + 3 (ok) -> 2 + 2 (bad) -> 1 + 1 (bad): three splits, and every good item committed once.
    expect(splits).toEqual([7, 4, 2]);
    const committed = commits.filter((c) => !c.items.includes('bad')).flatMap((c) => c.items);
    expect(committed.sort()).toEqual(['1', '2', '3', '5', '6', '7']);
  });

  it('does not split what no half would survive (the database away): every caller gets the error', async () => {
    const { q, commits } = queue({ divisible: () => false });
    const outcomes = await Promise.allSettled(['1', 'bad', '3'].map((i) => q.submit(A, i)));
    expect(outcomes.every((o) => o.status === 'rejected')).toBe(true);
    expect(commits).toHaveLength(1);
  });

  it('runs flushes through detach (outside the submitter’s context)', async () => {
    let detached = 0;
    const { q } = queue({
      detach: (flush) => {
        detached += 1;
        flush();
      },
    });
    await q.submit(A, '1');
    // Once to schedule the end-of-turn flush, once for the flush itself.
    expect(detached).toBe(2);
  });
});
