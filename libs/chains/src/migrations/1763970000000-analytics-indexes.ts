import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Indexes that keep the analytics endpoints bounded by their window (bench/analytics.ts, docs/benchmarks.md), each
 * replacing a plain one of the same leading columns, so attempts still carry two secondary indexes. Attempts are
 * never updated, so wider entries cost no HOT update; they only let analytics read duration and error class from
 * the index alone:
 * - (tenant_id, created_at): the attempts of a window ending now, as one range;
 * - (tenant_id, delivery_id, attempt_number): the attempts of an older window's deliveries, by delivery (and still a
 *   delivery's attempts in order);
 * - chain analytics find the failed steps of the window's runs in a partial index of failed step runs only.
 *
 * A plain CREATE INDEX blocks writes to its table while it builds (seconds per million rows). On a large
 * installation, build them beforehand without blocking, with the definitions below and CONCURRENTLY; this migration
 * then finds them (IF NOT EXISTS) and only drops the indexes they replace. An index a failed concurrent build left
 * invalid is built again.
 */
const INDEXES: Record<string, string> = {
  webhook_delivery_attempts_tenant_created_stats_idx:
    'ON webhook_delivery_attempts (tenant_id, created_at) INCLUDE (delivery_id, duration_ms, error_class)',
  webhook_delivery_attempts_delivery_stats_idx:
    'ON webhook_delivery_attempts (tenant_id, delivery_id, attempt_number) INCLUDE (duration_ms, error_class)',
  execution_chain_step_runs_failed_idx:
    "ON execution_chain_step_runs (tenant_id, run_id) INCLUDE (step_order, name) WHERE kind = 'step' AND status = 'failed'",
};
/** The indexes those replace, and their definitions (for down()). */
const REPLACED: Record<string, string> = {
  webhook_delivery_attempts_tenant_created_idx: 'ON webhook_delivery_attempts (tenant_id, created_at DESC)',
  webhook_delivery_attempts_delivery_idx: 'ON webhook_delivery_attempts (tenant_id, delivery_id, attempt_number)',
};

export class AnalyticsIndexes1763970000000 implements MigrationInterface {
  name = 'AnalyticsIndexes1763970000000';

  async up(q: QueryRunner): Promise<void> {
    for (const [name, definition] of Object.entries(INDEXES)) {
      await q.query(`
        DO $$ BEGIN
          IF EXISTS (SELECT 1 FROM pg_index WHERE indexrelid = to_regclass('${name}') AND NOT indisvalid) THEN
            DROP INDEX ${name};
          END IF;
        END $$;
        CREATE INDEX IF NOT EXISTS ${name} ${definition};
      `);
    }
    for (const name of Object.keys(REPLACED)) await q.query(`DROP INDEX IF EXISTS ${name}`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const [name, definition] of Object.entries(REPLACED))
      await q.query(`CREATE INDEX IF NOT EXISTS ${name} ${definition}`);
    for (const name of Object.keys(INDEXES)) await q.query(`DROP INDEX IF EXISTS ${name}`);
  }
}
