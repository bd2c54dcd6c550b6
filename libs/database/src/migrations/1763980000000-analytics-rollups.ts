import { MigrationInterface, QueryRunner } from 'typeorm';
import { enableRls } from './rls-sql';

/**
 * Hourly and daily rollups of the analytics figures (libs/database/src/rollups), kept by the worker so that a month's
 * analytics add up a few hundred rows instead of a million deliveries (bench/analytics.ts).
 * - analytics_rollups: one row per (kind, span, period, key): kind 'deliveries' keyed by subscription, 'chain_runs'
 *   by chain; span 'hour' or 'day'; stats is a RollupStats object; in_flight, also inside stats, is a column so the
 *   hours still moving are found by a partial index.
 * - analytics_rollup_progress: per tenant and kind, every hour before rolled_up_until is rolled up.
 * - analytics_stale_hours: hours an API call changed after they were rolled up (a manual retry, a recovery); counted
 *   live until the worker rolls them up again.
 */
export class AnalyticsRollups1763980000000 implements MigrationInterface {
  name = 'AnalyticsRollups1763980000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE analytics_rollups (
        tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
        kind text NOT NULL CHECK (kind IN ('deliveries', 'chain_runs')),
        span text NOT NULL CHECK (span IN ('hour', 'day')),
        period_start timestamptz NOT NULL,
        key_id uuid NOT NULL,
        in_flight integer NOT NULL DEFAULT 0,
        stats jsonb NOT NULL,
        PRIMARY KEY (tenant_id, kind, span, period_start, key_id)
      );
      CREATE INDEX analytics_rollups_in_flight_idx ON analytics_rollups (tenant_id, kind, period_start)
        WHERE span = 'hour' AND in_flight > 0;
      ${enableRls('analytics_rollups')}

      CREATE TABLE analytics_rollup_progress (
        tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
        kind text NOT NULL,
        rolled_up_until timestamptz NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, kind)
      );
      ${enableRls('analytics_rollup_progress')}

      CREATE TABLE analytics_stale_hours (
        tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
        kind text NOT NULL,
        hour timestamptz NOT NULL,
        PRIMARY KEY (tenant_id, kind, hour)
      );
      ${enableRls('analytics_stale_hours')}
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(
      `DROP TABLE analytics_stale_hours; DROP TABLE analytics_rollup_progress; DROP TABLE analytics_rollups`,
    );
  }
}
