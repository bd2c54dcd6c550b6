// Group commit for concurrent requests, as the receive path does it (InboundEventWriter), per tenant: what a tenant
// submits during one turn of the event loop is committed together, and what it submits while its batch is being
// committed waits for that commit and goes as the next batch, so batches grow with the load instead of the round trips.
// A batch that reaches `earlyFlush` items (or `maxBatchBytes`) goes at once; at most `maxParallelFlushes` batches are
// committed at a time. Each caller gets its own item's outcome once its batch is committed. A batch that fails is split
// in halves and each half committed on its own, down to single items, so one item that cannot be committed fails only
// its own caller.
import type { TenantId } from '@conduit/platform';

export interface GroupCommitOptions<I> {
  earlyFlush: number;
  maxBatch: number;
  /** Bound on the summed sizeOf() of one batch (one item larger than it still goes, alone). */
  maxBatchBytes: number;
  maxParallelFlushes: number;
  sizeOf: (item: I) => number;
  /** Whether a failed batch is worth splitting (not when the database is away: every half would fail the same way). */
  divisible: (err: unknown) => boolean;
  /** Runs a flush outside the submitter's async context (so a batch does not run as one of its requests). */
  detach: (flush: () => void) => void;
  /** Told of each committed batch (its size) and each split (the size of the batch split). */
  observe?: { committed?: (size: number) => void; split?: (size: number) => void };
}

interface Pending<I, O> {
  item: I;
  bytes: number;
  resolve: (value: O) => void;
  reject: (reason: unknown) => void;
}

interface TenantQueue<I, O> {
  pending: Pending<I, O>[];
  bytes: number;
  /** Batches of this tenant being committed. */
  inFlight: number;
}

export class GroupCommitQueue<I, O> {
  private readonly tenants = new Map<TenantId, TenantQueue<I, O>>();
  private flushes = 0;
  private scheduled = false;

  /** `commit` writes one tenant's items in one go and returns one output per item, in order. */
  constructor(
    private readonly commit: (tenantId: TenantId, items: I[]) => Promise<O[]>,
    private readonly options: GroupCommitOptions<I>,
  ) {}

  submit(tenantId: TenantId, item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      let tenant = this.tenants.get(tenantId);
      if (!tenant) {
        tenant = { pending: [], bytes: 0, inFlight: 0 };
        this.tenants.set(tenantId, tenant);
      }
      const bytes = this.options.sizeOf(item);
      tenant.pending.push({ item, bytes, resolve, reject });
      tenant.bytes += bytes;
      // A full batch goes at once, so the database works on it while this process takes the next requests; a partial
      // one waits for the end of this turn of the event loop (and for the tenant's batch in flight, if any).
      const full = tenant.pending.length >= this.options.earlyFlush || tenant.bytes >= this.options.maxBatchBytes;
      if (full && this.flushes < this.options.maxParallelFlushes) this.flushNow(tenantId, tenant);
      else this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.flushes >= this.options.maxParallelFlushes) return;
    if (![...this.tenants.values()].some((t) => t.pending.length > 0 && t.inFlight === 0)) return;
    this.scheduled = true;
    this.options.detach(() =>
      setImmediate(() => {
        this.scheduled = false;
        for (const [tenantId, tenant] of this.tenants) {
          if (this.flushes >= this.options.maxParallelFlushes) break;
          if (tenant.pending.length > 0 && tenant.inFlight === 0) this.flushNow(tenantId, tenant);
        }
        this.schedule();
      }),
    );
  }

  private flushNow(tenantId: TenantId, tenant: TenantQueue<I, O>): void {
    const batch = this.take(tenant);
    this.flushes += 1;
    tenant.inFlight += 1;
    this.options.detach(() => {
      void this.commitOrSplit(tenantId, batch).finally(() => {
        this.flushes -= 1;
        tenant.inFlight -= 1;
        if (tenant.inFlight === 0 && tenant.pending.length === 0) this.tenants.delete(tenantId);
        this.schedule();
      });
    });
  }

  /** The tenant's oldest items, up to maxBatch of them and maxBatchBytes (at least one). */
  private take(tenant: TenantQueue<I, O>): Pending<I, O>[] {
    let count = 0;
    let bytes = 0;
    for (const p of tenant.pending) {
      if (count === this.options.maxBatch || (count > 0 && bytes + p.bytes > this.options.maxBatchBytes)) break;
      count += 1;
      bytes += p.bytes;
    }
    tenant.bytes -= bytes;
    return tenant.pending.splice(0, count);
  }

  private async commitOrSplit(tenantId: TenantId, list: Pending<I, O>[]): Promise<void> {
    let outputs: O[];
    try {
      outputs = await this.commit(
        tenantId,
        list.map((p) => p.item),
      );
    } catch (err) {
      if (list.length === 1 || !this.options.divisible(err)) {
        for (const p of list) p.reject(err);
        return;
      }
      this.options.observe?.split?.(list.length);
      const half = Math.ceil(list.length / 2);
      await Promise.all([
        this.commitOrSplit(tenantId, list.slice(0, half)),
        this.commitOrSplit(tenantId, list.slice(half)),
      ]);
      return;
    }
    this.options.observe?.committed?.(list.length);
    list.forEach((p, i) => p.resolve(outputs[i] as O));
  }
}
