// Coalesces concurrent single-row requests (claims, success records) into one statement per tenant.
// Callers still ask for one row and get one answer; the database sees a batch, which on a busy worker cuts the
// per-delivery statement, planning and commit cost by the batch size.
import type { TenantId } from '@conduit/platform';

interface Pending<I, O> {
  item: I;
  resolve: (value: O) => void;
  reject: (reason: unknown) => void;
}

export class TenantBatcher<I, O> {
  private readonly queued = new Map<TenantId, Pending<I, O>[]>();
  private scheduled = false;

  /** `run` returns one output per item, in order. */
  constructor(
    private readonly run: (tenantId: TenantId, items: I[]) => Promise<O[]>,
    private readonly maxBatch: number,
  ) {}

  submit(tenantId: TenantId, item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      const list = this.queued.get(tenantId) ?? [];
      list.push({ item, resolve, reject });
      this.queued.set(tenantId, list);
      if (list.length >= this.maxBatch) {
        this.queued.delete(tenantId);
        this.flush(tenantId, list);
      } else if (!this.scheduled) {
        this.scheduled = true;
        // Whatever else arrives while the current I/O callbacks run joins this batch.
        setImmediate(() => this.flushAll());
      }
    });
  }

  private flushAll(): void {
    this.scheduled = false;
    const batches = [...this.queued];
    this.queued.clear();
    for (const [tenantId, list] of batches) this.flush(tenantId, list);
  }

  private flush(tenantId: TenantId, list: Pending<I, O>[]): void {
    this.run(
      tenantId,
      list.map((p) => p.item),
    ).then(
      (outputs) => list.forEach((p, i) => p.resolve(outputs[i] as O)),
      (err: unknown) => list.forEach((p) => p.reject(err)),
    );
  }
}
