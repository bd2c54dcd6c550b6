import { MigrationInterface, QueryRunner } from 'typeorm';
import { enableRls } from '@conduit/database';

/**
 * What SAML sign-in keeps between requests, in PostgreSQL so it holds across restarts and API replicas: the
 * AuthnRequests and LogoutRequests still awaiting an answer (InResponseTo is single use; RelayState is an opaque id
 * whose return_to is kept here), the assertion ids already accepted (replays), the sessions
 * begun through each connection (for logout), and the one-time codes a sign-in ends
 * with (hashed; the session's tokens sealed). SAML routes name a connection before its tenant is known: a narrow
 * lookup reads the connection by id, and an exchange reads its code by hash.
 */
export class SamlSignIn1764211000000 implements MigrationInterface {
  name = 'SamlSignIn1764211000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE POLICY sso_connections_lookup ON sso_connections FOR SELECT
        USING (id = nullif(current_setting('app.sso_connection_id', true), '')::uuid);

      CREATE TABLE sso_saml_requests (
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        connection_id uuid NOT NULL,
        id text NOT NULL,
        kind text NOT NULL CHECK (kind IN ('authn', 'logout')),
        relay_state text,
        return_to text,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        consumed_at timestamptz,
        PRIMARY KEY (tenant_id, connection_id, id)
      );
      CREATE INDEX sso_saml_requests_expiry_idx ON sso_saml_requests (tenant_id, expires_at);
      ${enableRls('sso_saml_requests')}

      CREATE TABLE sso_saml_assertions (
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        connection_id uuid NOT NULL,
        assertion_id text NOT NULL,
        expires_at timestamptz NOT NULL,
        PRIMARY KEY (tenant_id, connection_id, assertion_id)
      );
      CREATE INDEX sso_saml_assertions_expiry_idx ON sso_saml_assertions (tenant_id, expires_at);
      ${enableRls('sso_saml_assertions')}

      -- Sessions begun through a connection, with the IdP's NameID and SessionIndex: logout names them to the IdP,
      -- and an IdP LogoutRequest is matched to its user by them.
      CREATE TABLE sso_saml_sessions (
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        session_id uuid NOT NULL,
        connection_id uuid NOT NULL,
        user_id uuid NOT NULL,
        name_id text NOT NULL,
        name_id_format text,
        session_index text,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, session_id)
      );
      CREATE INDEX sso_saml_sessions_name_idx ON sso_saml_sessions (tenant_id, connection_id, name_id);
      ${enableRls('sso_saml_sessions')}

      CREATE TABLE sso_login_codes (
        code_hash text PRIMARY KEY,
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        connection_id uuid NOT NULL,
        tokens_sealed text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        used_at timestamptz
      );
      CREATE INDEX sso_login_codes_expiry_idx ON sso_login_codes (tenant_id, expires_at);
      ${enableRls('sso_login_codes', `code_hash = nullif(current_setting('app.sso_code_hash', true), '')`)}
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TABLE sso_login_codes;
      DROP TABLE sso_saml_sessions;
      DROP TABLE sso_saml_assertions;
      DROP TABLE sso_saml_requests;
      DROP POLICY sso_connections_lookup ON sso_connections;
    `);
  }
}
