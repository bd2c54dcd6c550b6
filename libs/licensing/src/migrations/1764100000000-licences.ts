import { MigrationInterface, QueryRunner } from 'typeorm';

// The licence's control-plane tables (no tenant column, no RLS: reached only through SystemContext by this lib):
// - license_installation: this installation's one row (its id, first start, the latest time seen, a clock rollback
//   going on). Created by the first process that starts, from its clock.
// - licenses: every licence installed, who installed it and how; at most one active (licenses_one_active).
// - license_notices: each expiry notification of each licence, claimed once (the primary key) by the worker that
//   publishes it.
export class Licences1764100000000 implements MigrationInterface {
  name = 'Licences1764100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE license_installation (
        singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
        installation_id uuid NOT NULL,
        first_started_at timestamptz NOT NULL,
        latest_seen_at timestamptz NOT NULL,
        clock_rollback_at timestamptz
      );

      CREATE TABLE licenses (
        id uuid PRIMARY KEY,
        license_id text NOT NULL,
        licensee text NOT NULL,
        kid text NOT NULL,
        token text NOT NULL,
        claims jsonb NOT NULL,
        issued_at timestamptz NOT NULL,
        not_before timestamptz NOT NULL,
        expires_at timestamptz NOT NULL,
        grace_days integer NOT NULL CHECK (grace_days >= 0),
        installed_at timestamptz NOT NULL,
        installed_by_user_id uuid REFERENCES users(id) ON DELETE SET NULL,
        installed_by text NOT NULL,
        installed_via text NOT NULL CHECK (installed_via IN ('api', 'cli')),
        active boolean NOT NULL DEFAULT false,
        replaced_at timestamptz
      );
      CREATE UNIQUE INDEX licenses_one_active ON licenses ((true)) WHERE active;
      CREATE INDEX licenses_installed_at_idx ON licenses (installed_at DESC);

      CREATE TABLE license_notices (
        license_id text NOT NULL,
        threshold text NOT NULL,
        claimed_at timestamptz NOT NULL,
        event_id uuid,
        PRIMARY KEY (license_id, threshold)
      );
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE license_notices; DROP TABLE licenses; DROP TABLE license_installation;`);
  }
}
