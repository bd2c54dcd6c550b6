// Per-tenant sequence numbers of the catalogue (the seed's COUNTERS): integration_id now, task_id and instance_id next.
import { Injectable } from '@nestjs/common';
import { TenantContext } from '@conduit/database';
import { InvariantError, TenantId } from '@conduit/platform';

/** What a counter numbers; a new kind needs no migration (a lowercase identifier). */
export type CounterKind = 'integration' | 'task' | 'instance';

@Injectable()
export class CatalogueCounters {
  constructor(private readonly db: TenantContext) {}

  /**
   * The tenant's next number of that kind (1, 2, ...), taken by one upsert in the caller's (creating) transaction.
   * The row stays locked until that transaction ends, so concurrent creations wait for each other and never get the
   * same number. A creation that rolls back after taking a number leaves a gap: numbers are unique, not dense.
   */
  async next(tenantId: TenantId, kind: CounterKind): Promise<number> {
    if (!this.db.inTransaction())
      throw new InvariantError('transaction_required', 'a catalogue number is taken inside the creating transaction');
    const rows = await this.db.prepared<{ last_value: number }>(
      'catalogue_counter_next',
      `INSERT INTO catalogue_counters (tenant_id, kind, last_value) VALUES ($1, $2, 1)
       ON CONFLICT (tenant_id, kind) DO UPDATE SET last_value = catalogue_counters.last_value + 1
       RETURNING last_value`,
      [tenantId, kind],
    );
    return rows[0].last_value;
  }
}
