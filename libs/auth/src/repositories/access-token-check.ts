// What an access token's request needs to know, in ONE round trip: whether its jti or its session is revoked (or the
// session expired), and the user's membership in the token's tenant (with the user's and the tenant's standing). Both
// were two transactions of four round trips each; nothing is kept between requests, so a revocation, a removal or a
// suspension shows on the very next request, as before.
import { Injectable } from '@nestjs/common';
import { TenantRoundTrip, preparedStatement } from '@conduit/database';
import type { TenantId } from '@conduit/platform';
import { toMembership } from '@conduit/tenants';
import { sessionDeadSelect } from './sessions.repository';
import type { Membership, MembershipRow } from '@conduit/tenants';

export interface AccessTokenStanding {
  revoked: boolean;
  /** null: no membership in the token's tenant. */
  membership: Membership | null;
}

/** The membership's columns are null when the user has none in the token's tenant. */
type Row = { jti_revoked: boolean; session_dead: boolean | null } & (MembershipRow | { user_id: null });

// $2 is NULL for a token without a session (issued by the CLI): then only its jti counts.
// The session is dead when revoked, expired, past its tenant's maximum lifetime or idle for longer than its tenant's
// idle timeout (SESSION_DEAD_SQL). A live session's last_used_at is moved to now when it is over a minute old (the
// idle clock; at most one write a minute per session), in the same statement: the data-modifying CTE runs whether or
// not it is read, and the SELECT sees the values from before it.
const CHECK = preparedStatement(
  'access_token_check',
  `WITH touched AS (
    UPDATE auth_sessions t SET last_used_at = now()
    WHERE t.id = $2::uuid AND t.last_used_at < now() - interval '60 seconds' AND NOT ${sessionDeadSelect('t.id')}
    RETURNING 1
  )
  SELECT EXISTS (SELECT 1 FROM revoked_access_tokens WHERE jti = $1::uuid) AS jti_revoked,
    ${sessionDeadSelect('$2::uuid')} AS session_dead,
    mem.*
  FROM (SELECT 1) AS one LEFT JOIN (
    SELECT u.id AS user_id, u.email, u.status AS user_status, m.status AS member_status, m.role, t.id AS tenant_id, t.code, t.name, t.status,
      t.parent_id, t.deleted_at
    FROM memberships m JOIN users u ON u.id = m.user_id JOIN tenants t ON t.id = m.tenant_id
    WHERE m.user_id = $3::uuid AND m.tenant_id = $4::uuid
  ) AS mem ON true`,
);

@Injectable()
export class AccessTokenCheck {
  constructor(private readonly trip: TenantRoundTrip) {}

  /** jti, sessionId, userId and tenantId must be uuids (the caller checks). */
  async standing(
    tenantId: TenantId,
    token: { jti: string; sessionId?: string; userId: string },
  ): Promise<AccessTokenStanding> {
    const [row] = await this.trip.execute<Row>(
      tenantId,
      CHECK,
      [token.jti, token.sessionId ?? null, token.userId, tenantId],
      // Sessions, revoked tokens and memberships: the core database whatever the tenant's isolation.
      { durable: true, controlPlane: true },
    );
    const revoked = !row || row.jti_revoked || (token.sessionId !== undefined && row.session_dead !== false);
    return { revoked, membership: row?.user_id ? toMembership(row as MembershipRow) : null };
  }
}
