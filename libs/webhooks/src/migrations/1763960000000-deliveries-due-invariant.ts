import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Makes the database hold what the due index, HOT claims and the reconcilers rely on (DeliveriesHot1763940000000,
 * DueWorkTenants1763950000000): `next_attempt_at` is set exactly on pending and delivering rows. Every code path
 * already keeps it so (tested); a row written by hand or by a future path that broke it would otherwise be a
 * delivery no reconciler finds. Rows that break it are mended first: a pending or delivering row without a time is
 * due from its creation, a finished row keeps no time. FORCE ROW LEVEL SECURITY is lifted for the mending (inside
 * this migration's transaction, under ALTER TABLE's exclusive lock): an owner that is no superuser would otherwise
 * update no row, and the constraint would then refuse the very rows it was meant to mend.
 */
export class DeliveriesDueInvariant1763960000000 implements MigrationInterface {
  name = 'DeliveriesDueInvariant1763960000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE webhook_deliveries NO FORCE ROW LEVEL SECURITY;
      UPDATE webhook_deliveries SET next_attempt_at = created_at
       WHERE status IN ('pending', 'delivering') AND next_attempt_at IS NULL;
      UPDATE webhook_deliveries SET next_attempt_at = NULL
       WHERE status NOT IN ('pending', 'delivering') AND next_attempt_at IS NOT NULL;
      ALTER TABLE webhook_deliveries FORCE ROW LEVEL SECURITY;
      ALTER TABLE webhook_deliveries ADD CONSTRAINT webhook_deliveries_due_when_open
        CHECK ((status IN ('pending', 'delivering')) = (next_attempt_at IS NOT NULL));
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE webhook_deliveries DROP CONSTRAINT webhook_deliveries_due_when_open`);
  }
}
