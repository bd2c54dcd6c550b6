import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Lets a delivery's claim be a HOT update (no new index entries): the "due" index used to be partial on `status`,
 * which the claim changes (pending -> delivering), so every claim wrote a new entry into all five indexes. It is
 * now partial on `next_attempt_at IS NOT NULL`, which holds exactly for pending and delivering rows (every path
 * that ends a delivery clears it, every path that makes one due sets it, and the claim leaves it alone), and pages
 * keep room for the new row versions (fillfactor 80).
 */
export class DeliveriesHot1763940000000 implements MigrationInterface {
  name = 'DeliveriesHot1763940000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE webhook_deliveries SET (fillfactor = 80);
      DROP INDEX webhook_deliveries_tenant_due_idx;
      CREATE INDEX webhook_deliveries_tenant_due_idx ON webhook_deliveries (tenant_id, next_attempt_at) WHERE next_attempt_at IS NOT NULL;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE webhook_deliveries RESET (fillfactor);
      DROP INDEX webhook_deliveries_tenant_due_idx;
      CREATE INDEX webhook_deliveries_tenant_due_idx ON webhook_deliveries (tenant_id, next_attempt_at) WHERE status IN ('pending', 'delivering');
    `);
  }
}
