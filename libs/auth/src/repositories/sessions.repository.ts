// The SQL over auth_sessions (refresh-token families) and revoked_access_tokens, in the caller's control-plane
// transaction (core database: coreEm).
import { Injectable } from '@nestjs/common';
import { TenantContext } from '@conduit/database';
import type { TenantId } from '@conduit/platform';
import { AuthSessionEntity, RevokedAccessTokenEntity } from '../entities/auth-session.entity';

/**
 * Whether a session (alias s, its tenant's settings a LEFT JOINed) is dead: revoked, past its expiry, older than its
 * tenant's maximum lifetime, or unused for longer than its tenant's idle timeout. Settings changed later apply to
 * sessions already open. Never null (a null here would read as "dead" to some callers and "alive" to others).
 */
export const SESSION_DEAD_SQL = `(s.revoked_at IS NOT NULL OR s.expires_at <= now()
  OR coalesce(s.created_at + make_interval(secs => a.session_max_lifetime_seconds) <= now(), false)
  OR coalesce(s.last_used_at + make_interval(secs => a.session_idle_timeout_seconds) <= now(), false))`;

/** Is session $N dead (true), alive (false), or gone (null)? */
export const sessionDeadSelect = (param: string) =>
  `(SELECT ${SESSION_DEAD_SQL} FROM auth_sessions s LEFT JOIN tenant_auth_settings a ON a.tenant_id = s.tenant_id
    WHERE s.id = ${param})`;

/** A session with whether it is alive, as the sessions API lists it. */
export type SessionRow = AuthSessionEntity & { dead: boolean };

@Injectable()
export class SessionsRepository {
  constructor(private readonly db: TenantContext) {}

  async insert(session: AuthSessionEntity): Promise<void> {
    await this.sessions().insert(session);
  }

  /** A session by id, before its tenant is known (a refresh presents only the token: the app.session_id policy). */
  lookup(sessionId: string): Promise<AuthSessionEntity | null> {
    return this.db.withSettings({ 'app.session_id': sessionId }, () =>
      this.sessions().findOne({ where: { id: sessionId } }),
    );
  }

  /**
   * Compare-and-swap of the family's current token: of two concurrent refreshes with one token, exactly one wins.
   * True for the winner.
   */
  async rotate(
    tenantId: TenantId,
    sessionId: string,
    fromTokenId: string,
    next: { tokenId: string; tokenHash: string; at: Date },
  ): Promise<boolean> {
    const result = await this.sessions()
      .createQueryBuilder()
      .update()
      .set({ current_token_id: next.tokenId, current_token_hash: next.tokenHash, last_used_at: next.at })
      .where('id = :id AND tenant_id = :tenantId AND current_token_id = :tokenId AND revoked_at IS NULL', {
        id: sessionId,
        tenantId,
        tokenId: fromTokenId,
      })
      .execute();
    return (result.affected ?? 0) === 1;
  }

  /** Revokes the whole family, unless it is revoked already. */
  async revoke(tenantId: TenantId, sessionId: string, reason: string, at: Date): Promise<void> {
    await this.sessions()
      .createQueryBuilder()
      .update()
      .set({ revoked_at: at, revoked_reason: reason })
      .where('id = :id AND tenant_id = :tenantId AND revoked_at IS NULL', { id: sessionId, tenantId })
      .execute();
  }

  /** Revokes the user's live sessions in the tenant (only those of one SSO connection, when given); how many. */
  async revokeForUser(
    tenantId: TenantId,
    userId: string,
    reason: string,
    at: Date,
    connectionId?: string,
  ): Promise<number> {
    const qb = this.sessions()
      .createQueryBuilder()
      .update()
      .set({ revoked_at: at, revoked_reason: reason })
      .where('tenant_id = :tenantId AND user_id = :userId AND revoked_at IS NULL', { tenantId, userId });
    if (connectionId) qb.andWhere('connection_id = :connectionId', { connectionId });
    const result = await qb.execute();
    return result.affected ?? 0;
  }

  /** The user's sessions in the tenant that are alive, newest first. */
  async listLive(tenantId: TenantId, userId: string): Promise<AuthSessionEntity[]> {
    const rows = (await this.db.coreEm.query(
      `SELECT s.* FROM auth_sessions s LEFT JOIN tenant_auth_settings a ON a.tenant_id = s.tenant_id
        WHERE s.tenant_id = $1 AND s.user_id = $2 AND s.revoked_at IS NULL AND NOT ${SESSION_DEAD_SQL}
        ORDER BY s.created_at DESC, s.id DESC`,
      [tenantId, userId],
    )) as AuthSessionEntity[];
    return rows;
  }

  /** One session of the tenant, with whether it is dead; null when there is none. */
  async find(tenantId: TenantId, sessionId: string): Promise<SessionRow | null> {
    const [row] = (await this.db.coreEm.query(
      `SELECT s.*, ${SESSION_DEAD_SQL} AS dead FROM auth_sessions s
        LEFT JOIN tenant_auth_settings a ON a.tenant_id = s.tenant_id WHERE s.tenant_id = $1 AND s.id = $2`,
      [tenantId, sessionId],
    )) as SessionRow[];
    return row ?? null;
  }

  /** Sets a live session's expiry; false when it is revoked or gone. */
  async setExpiry(tenantId: TenantId, sessionId: string, expiresAt: Date): Promise<boolean> {
    const result = await this.sessions()
      .createQueryBuilder()
      .update()
      .set({ expires_at: expiresAt })
      .where('id = :id AND tenant_id = :tenantId AND revoked_at IS NULL', { id: sessionId, tenantId })
      .execute();
    return (result.affected ?? 0) === 1;
  }

  /**
   * Keeps the user's `keep` newest live sessions in the tenant and revokes the older ones (those already dead are
   * revoked too: they no longer count); how many were revoked. Serialized per user by a transaction lock, so two
   * sign-ins at once cannot both stay within the limit by missing each other.
   */
  async revokeBeyond(tenantId: TenantId, userId: string, keep: number, reason: string, at: Date): Promise<number> {
    await this.db.coreEm.query(
      `SELECT pg_advisory_xact_lock(hashtextextended('conduit:sessions:' || $1 || ':' || $2, 0))`,
      [tenantId, userId],
    );
    const rows = (await this.db.coreEm.query(
      `UPDATE auth_sessions SET revoked_at = $4, revoked_reason = $5
        WHERE tenant_id = $1 AND user_id = $2 AND revoked_at IS NULL AND id NOT IN (
          SELECT s.id FROM auth_sessions s LEFT JOIN tenant_auth_settings a ON a.tenant_id = s.tenant_id
          WHERE s.tenant_id = $1 AND s.user_id = $2 AND s.revoked_at IS NULL AND NOT ${SESSION_DEAD_SQL}
          ORDER BY s.created_at DESC, s.id DESC LIMIT $3)
        RETURNING id`,
      [tenantId, userId, keep, at, reason],
    )) as [unknown[], number] | unknown[];
    // TypeORM answers an UPDATE ... RETURNING with [rows, count] on PostgreSQL.
    const returned = Array.isArray(rows[0]) ? (rows[0] as unknown[]) : (rows as unknown[]);
    return returned.length;
  }

  /** Revokes one access token until it expires (a repeat is harmless). */
  async revokeAccessToken(token: { jti: string; tenantId: TenantId; expiresAt: Date; at: Date }): Promise<void> {
    await this.db.coreEm
      .getRepository(RevokedAccessTokenEntity)
      .createQueryBuilder()
      .insert()
      .values({ jti: token.jti, tenant_id: token.tenantId, expires_at: token.expiresAt, created_at: token.at })
      .orIgnore()
      .execute();
  }

  /** Whether the access token was revoked, and whether its session (if it names one) is revoked, expired or gone. */
  async revocation(
    jti: string,
    sessionId: string | null,
  ): Promise<{ jti_revoked: boolean; session_dead: boolean | null }> {
    const [row] = (await this.db.coreEm.query(
      `SELECT EXISTS (SELECT 1 FROM revoked_access_tokens WHERE jti = $1) AS jti_revoked,
              ${sessionDeadSelect('$2::uuid')} AS session_dead`,
      [jti, sessionId],
    )) as { jti_revoked: boolean; session_dead: boolean | null }[];
    return row ?? { jti_revoked: false, session_dead: null };
  }

  private sessions() {
    return this.db.coreEm.getRepository(AuthSessionEntity);
  }
}
