// The SQL over what SAML sign-in keeps between requests: outstanding requests (InResponseTo, single use), assertion ids
// already accepted, and one-time sign-in codes. All in the caller's control-plane transaction (core database: coreEm),
// scoped to the connection's tenant, except the code lookup by hash, which comes before the tenant is known.
import { Injectable } from '@nestjs/common';
import { CORE_DATABASE, TenantContext } from '@conduit/database';
import type { TenantId } from '@conduit/platform';

export interface OutstandingRequest {
  id: string;
  kind: 'authn' | 'logout';
  relay_state: string | null;
  return_to: string | null;
  created_at: Date;
}

export interface SamlSessionRow {
  session_id: string;
  connection_id: string;
  user_id: string;
  name_id: string;
  name_id_format: string | null;
  session_index: string | null;
}

export interface LoginCodeRow {
  tenant_id: TenantId;
  connection_id: string;
  tokens_sealed: string;
}

@Injectable()
export class SamlStateRepository {
  constructor(private readonly db: TenantContext) {}

  async saveRequest(
    tenantId: TenantId,
    connectionId: string,
    row: { id: string; kind: 'authn' | 'logout'; relayState: string | null; returnTo: string | null; expiresAt: Date },
  ): Promise<void> {
    await this.db.coreEm.query(
      `INSERT INTO sso_saml_requests (tenant_id, connection_id, id, kind, relay_state, return_to, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING`,
      [tenantId, connectionId, row.id, row.kind, row.relayState, row.returnTo, row.expiresAt],
    );
  }

  /** The request unless it expired; consumed_at says whether it was answered already. */
  async findRequest(
    tenantId: TenantId,
    connectionId: string,
    id: string,
    now: Date,
  ): Promise<(OutstandingRequest & { consumed_at: Date | null }) | null> {
    const [row] = (await this.db.coreEm.query(
      `SELECT id, kind, relay_state, return_to, created_at, consumed_at FROM sso_saml_requests
        WHERE tenant_id = $1 AND connection_id = $2 AND id = $3 AND expires_at > $4`,
      [tenantId, connectionId, id, now],
    )) as (OutstandingRequest & { consumed_at: Date | null })[];
    return row ?? null;
  }

  /** Marks the request answered; the row when this call did so (of two concurrent answers, exactly one gets it). */
  async consumeRequest(
    tenantId: TenantId,
    connectionId: string,
    id: string,
    now: Date,
  ): Promise<OutstandingRequest | null> {
    const rows = (await this.db.coreEm.query(
      `UPDATE sso_saml_requests SET consumed_at = $4
        WHERE tenant_id = $1 AND connection_id = $2 AND id = $3 AND consumed_at IS NULL AND expires_at > $4
        RETURNING id, kind, relay_state, return_to, created_at`,
      [tenantId, connectionId, id, now],
    )) as [OutstandingRequest[], number];
    return rows[0]?.[0] ?? null;
  }

  /** Records an accepted assertion id; false when it was accepted before (a replay). Forgets expired ones. */
  async recordAssertion(tenantId: TenantId, connectionId: string, assertionId: string, expiresAt: Date, now: Date) {
    await this.db.coreEm.query(`DELETE FROM sso_saml_assertions WHERE tenant_id = $1 AND expires_at < $2`, [
      tenantId,
      now,
    ]);
    await this.db.coreEm.query(`DELETE FROM sso_saml_requests WHERE tenant_id = $1 AND expires_at < $2`, [
      tenantId,
      now,
    ]);
    const rows = (await this.db.coreEm.query(
      `INSERT INTO sso_saml_assertions (tenant_id, connection_id, assertion_id, expires_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT DO NOTHING RETURNING assertion_id`,
      [tenantId, connectionId, assertionId, expiresAt],
    )) as unknown[];
    return rows.length === 1;
  }

  async insertCode(
    tenantId: TenantId,
    row: { codeHash: string; connectionId: string; tokensSealed: string; expiresAt: Date; now: Date },
  ): Promise<void> {
    await this.db.coreEm.query(`DELETE FROM sso_login_codes WHERE tenant_id = $1 AND expires_at < $2`, [
      tenantId,
      row.now,
    ]);
    await this.db.coreEm.query(
      `INSERT INTO sso_login_codes (code_hash, tenant_id, connection_id, tokens_sealed, created_at, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6)`,
      [row.codeHash, tenantId, row.connectionId, row.tokensSealed, row.now, row.expiresAt],
    );
  }

  /** Which tenant a code belongs to, before the tenant is known (the app.sso_code_hash lookup policy). */
  codeTenant(codeHash: string): Promise<TenantId | null> {
    return this.db.withSettings(
      { 'app.sso_code_hash': codeHash },
      async () => {
        const [row] = (await this.db.coreEm.query(`SELECT tenant_id FROM sso_login_codes WHERE code_hash = $1`, [
          codeHash,
        ])) as { tenant_id: TenantId }[];
        return row?.tenant_id ?? null;
      },
      CORE_DATABASE,
    );
  }

  /**
   * Uses the code: its sealed tokens when it was unused and unexpired (once only, also under concurrency: the row lock
   * makes a second use see used_at set). The sealed tokens are erased as the code is used.
   */
  async useCode(tenantId: TenantId, codeHash: string, now: Date): Promise<LoginCodeRow | null> {
    const rows = (await this.db.coreEm.query(
      `WITH found AS (
         SELECT code_hash, tokens_sealed FROM sso_login_codes
          WHERE tenant_id = $1 AND code_hash = $2 AND used_at IS NULL AND expires_at > $3
          FOR UPDATE
       )
       UPDATE sso_login_codes c SET used_at = $3, tokens_sealed = ''
         FROM found WHERE c.tenant_id = $1 AND c.code_hash = found.code_hash
       RETURNING c.tenant_id, c.connection_id, found.tokens_sealed`,
      [tenantId, codeHash, now],
    )) as [LoginCodeRow[], number];
    return rows[0]?.[0] ?? null;
  }

  /** Records a session begun through a connection; forgets those older than any session can live (`maxAgeMs`). */
  async insertSession(tenantId: TenantId, row: SamlSessionRow, now: Date, maxAgeMs: number): Promise<void> {
    await this.db.coreEm.query(`DELETE FROM sso_saml_sessions WHERE tenant_id = $1 AND created_at < $2`, [
      tenantId,
      new Date(now.getTime() - maxAgeMs),
    ]);
    await this.db.coreEm.query(
      `INSERT INTO sso_saml_sessions (tenant_id, session_id, connection_id, user_id, name_id, name_id_format, session_index, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [
        tenantId,
        row.session_id,
        row.connection_id,
        row.user_id,
        row.name_id,
        row.name_id_format,
        row.session_index,
        now,
      ],
    );
  }

  async findSession(tenantId: TenantId, sessionId: string): Promise<SamlSessionRow | null> {
    const [row] = (await this.db.coreEm.query(
      `SELECT session_id, connection_id, user_id, name_id, name_id_format, session_index FROM sso_saml_sessions
        WHERE tenant_id = $1 AND session_id = $2`,
      [tenantId, sessionId],
    )) as SamlSessionRow[];
    return row ?? null;
  }

  /** The users an IdP LogoutRequest names (by NameID, and SessionIndex when it gives one). */
  async usersNamed(tenantId: TenantId, connectionId: string, nameId: string, sessionIndex: string | null) {
    const rows = (await this.db.coreEm.query(
      `SELECT DISTINCT user_id FROM sso_saml_sessions
        WHERE tenant_id = $1 AND connection_id = $2 AND name_id = $3 AND ($4::text IS NULL OR session_index = $4)`,
      [tenantId, connectionId, nameId, sessionIndex],
    )) as { user_id: string }[];
    return rows.map((r) => r.user_id);
  }
}
