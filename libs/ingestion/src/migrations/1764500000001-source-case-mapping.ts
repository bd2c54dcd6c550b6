import { MigrationInterface, QueryRunner } from 'typeorm';

// An inbound source may turn the items it receives into case events and cases (issue 19, push ingestion): its
// case_mapping, checked by @conduit/cases' checkCaseMapping when saved; null for a source that does not.
export class SourceCaseMapping1764500000001 implements MigrationInterface {
  name = 'SourceCaseMapping1764500000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE inbound_sources ADD COLUMN case_mapping jsonb`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE inbound_sources DROP COLUMN case_mapping`);
  }
}
