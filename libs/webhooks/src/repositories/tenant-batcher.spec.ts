import { asTenantId } from '@conduit/platform';
import { TenantBatcher } from './tenant-batcher';

const [a, b, t] = ['a', 'b', 't'].map(asTenantId);

describe('TenantBatcher', () => {
  it('batches concurrent submissions per tenant and answers each caller', async () => {
    const calls: [string, number[]][] = [];
    const batcher = new TenantBatcher<number, number>(async (tenant, items) => {
      calls.push([tenant, items]);
      return items.map((n) => n * 10);
    }, 100);
    const results = await Promise.all([batcher.submit(a, 1), batcher.submit(b, 2), batcher.submit(a, 3)]);
    expect(results).toEqual([10, 20, 30]);
    expect(calls).toEqual([
      ['a', [1, 3]],
      ['b', [2]],
    ]);
  });

  it('flushes at the batch size without waiting', async () => {
    const sizes: number[] = [];
    const batcher = new TenantBatcher<number, number>(async (_t, items) => (sizes.push(items.length), items), 2);
    await Promise.all([1, 2, 3, 4, 5].map((n) => batcher.submit(t, n)));
    expect(sizes).toEqual([2, 2, 1]);
  });

  it('rejects every caller of a failed batch', async () => {
    const batcher = new TenantBatcher<number, number>(async () => {
      throw new Error('db down');
    }, 10);
    const results = await Promise.allSettled([batcher.submit(t, 1), batcher.submit(t, 2)]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
  });
});
