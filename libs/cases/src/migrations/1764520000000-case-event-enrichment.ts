import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What an ingestion task's dependent tasks answered for an event (`{ "<task_tag>": <outputs> }`, or
 * `{ "<task_tag>": { "error": { code, message } } }` for a failed call kept with on_error skip), written once with
 * the event by the poller; null when the ingestion has no dependent tasks, and for pushed events. A nullable column
 * without a default: adding it rewrites nothing.
 */
export class CaseEventEnrichment1764520000000 implements MigrationInterface {
  name = 'CaseEventEnrichment1764520000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE case_events ADD COLUMN enrichment jsonb`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE case_events DROP COLUMN enrichment`);
  }
}
