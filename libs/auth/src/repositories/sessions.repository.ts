// The SQL over auth_sessions (refresh-token families) and revoked_access_tokens, in the caller's transaction.
import { Injectable } from '@nestjs/common';
import { TenantContext } from '@conduit/database';
import type { TenantId } from '@conduit/platform';
import { AuthSessionEntity, RevokedAccessTokenEntity } from '../entities/auth-session.entity';

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

  /** Revokes one access token until it expires (a repeat is harmless). */
  async revokeAccessToken(token: { jti: string; tenantId: TenantId; expiresAt: Date; at: Date }): Promise<void> {
    await this.db.em
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
    const [row] = (await this.db.em.query(
      `SELECT EXISTS (SELECT 1 FROM revoked_access_tokens WHERE jti = $1) AS jti_revoked,
              (SELECT revoked_at IS NOT NULL OR expires_at <= now() FROM auth_sessions WHERE id = $2) AS session_dead`,
      [jti, sessionId],
    )) as { jti_revoked: boolean; session_dead: boolean | null }[];
    return row ?? { jti_revoked: false, session_dead: null };
  }

  private sessions() {
    return this.db.em.getRepository(AuthSessionEntity);
  }
}
