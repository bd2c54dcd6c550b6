import { MigrationInterface, QueryRunner } from 'typeorm';

// What answers show of a source's secret (its last four characters at most, see mask()), kept beside the sealed
// secret when it is set, so listing sources decrypts nothing. Sources whose secret was set before have none: their
// answers still open the secret, until it is rotated.
export class SourceSecretHints1764000000000 implements MigrationInterface {
  name = 'SourceSecretHints1764000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE inbound_sources ADD COLUMN secret_hint text`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE inbound_sources DROP COLUMN secret_hint`);
  }
}
