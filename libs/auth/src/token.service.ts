// Access tokens (HS256 JWTs we issue; ConduitJwtStrategy verifies them) and signed refresh tokens.
import { createSecretKey } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import jwt from 'jsonwebtoken';
import { Role } from '@conduit/access';
import {
  ConduitConfig,
  IdGenerator,
  InjectConfig,
  MasterKeyring,
  TenantId,
  asTenantId,
  constantTimeEqual,
  hmacSha256,
  isUuid,
} from '@conduit/platform';
import { AuthException } from './auth.exception';

export interface AccessClaims {
  sub: string;
  /** Signed by us: the tenant the token was issued in. */
  tid: TenantId;
  roles: Role[];
  jti: string;
  sid?: string;
  exp: number;
}

/** The claims of an access token whose signature has been checked, or 401 token_invalid if it is not one of ours. */
export function accessClaims(payload: unknown): AccessClaims {
  const p = typeof payload === 'object' && payload !== null ? (payload as Record<string, unknown>) : {};
  if (
    p.typ !== 'access' ||
    typeof p.sub !== 'string' ||
    typeof p.tid !== 'string' ||
    typeof p.jti !== 'string' ||
    typeof p.exp !== 'number'
  ) {
    throw new AuthException('token_invalid', 'Access token is malformed');
  }
  return {
    sub: p.sub,
    tid: asTenantId(p.tid),
    roles: Array.isArray(p.roles) ? (p.roles as Role[]) : [],
    jti: p.jti,
    sid: typeof p.sid === 'string' ? p.sid : undefined,
    exp: p.exp,
  };
}

const REFRESH_PREFIX = 'crt_';

@Injectable()
export class TokenService {
  private readonly signingKey: Buffer;
  private readonly refreshKey: Buffer;

  constructor(
    @InjectConfig() private readonly config: ConduitConfig,
    private readonly ids: IdGenerator,
  ) {
    const keyring = MasterKeyring.parse(config.CONDUIT_MASTER_KEY);
    this.signingKey = config.JWT_SECRET ? Buffer.from(config.JWT_SECRET) : keyring.deriveKey('conduit/jwt-signing');
    this.refreshKey = keyring.deriveKey('conduit/refresh-token');
  }

  get accessTtlSeconds(): number {
    return this.config.JWT_ACCESS_TTL_SECONDS;
  }

  issueAccessToken(input: { userId: string; tenantId: string; role: Role; sessionId?: string }): {
    token: string;
    claims: AccessClaims;
  } {
    const jti = this.ids.next();
    const token = jwt.sign(
      { tid: input.tenantId, roles: [input.role], sid: input.sessionId, typ: 'access' },
      this.signingKey,
      {
        algorithm: 'HS256',
        subject: input.userId,
        jwtid: jti,
        expiresIn: this.config.JWT_ACCESS_TTL_SECONDS,
        issuer: this.config.JWT_ISSUER,
        audience: this.config.JWT_AUDIENCE,
      },
    );
    return { token, claims: accessClaims(jwt.decode(token)) };
  }

  /** How ConduitJwtStrategy verifies the tokens issued here (the key never leaves this service otherwise). */
  accessTokenVerification() {
    return {
      // A KeyObject, made once: given bytes, jsonwebtoken first tries them as a public key (an exception caught) and
      // then makes a secret key, on every request.
      // (passport-jwt hands it to jsonwebtoken as it is; its types only name strings and Buffers.)
      secretOrKey: createSecretKey(this.signingKey) as unknown as Buffer,
      algorithms: ['HS256' as const],
      issuer: this.config.JWT_ISSUER,
      audience: this.config.JWT_AUDIENCE,
    };
  }

  /**
   * The session an access token issued here belongs to, its signature, issuer and audience checked but not its expiry
   * (GET /updateUserSessionExpiretime names a session by one of its tokens, possibly an expired one, for an admin):
   * 401 token_invalid when it is not one of ours; null when it names no session (a CLI token).
   */
  sessionOfAccessToken(token: string): { sessionId: string; tenantId: TenantId; userId: string } | null {
    let payload: unknown;
    try {
      payload = jwt.verify(token, this.signingKey, {
        algorithms: ['HS256'],
        issuer: this.config.JWT_ISSUER,
        audience: this.config.JWT_AUDIENCE,
        ignoreExpiration: true,
      });
    } catch {
      throw new AuthException('token_invalid', 'Access token is not valid');
    }
    const claims = accessClaims(payload);
    if (!claims.sid || !isUuid(claims.sid) || !isUuid(claims.tid) || !isUuid(claims.sub)) return null;
    return { sessionId: claims.sid, tenantId: claims.tid, userId: claims.sub };
  }

  issueRefreshToken(sessionId: string): { token: string; tokenId: string } {
    const tokenId = this.ids.next();
    const body = `${sessionId}.${tokenId}`;
    return { token: `${REFRESH_PREFIX}${body}.${hmacSha256(this.refreshKey, body).toString('base64url')}`, tokenId };
  }

  /** Checks the signature only; whether the token is still current is the session's business. */
  parseRefreshToken(token: string): { sessionId: string; tokenId: string } {
    const parts = token.startsWith(REFRESH_PREFIX) ? token.slice(REFRESH_PREFIX.length).split('.') : [];
    const [sessionId, tokenId, sig] = parts;
    if (parts.length !== 3 || !isUuid(sessionId) || !isUuid(tokenId) || !sig) {
      throw new AuthException('refresh_token_invalid', 'Refresh token is not valid');
    }
    const expected = hmacSha256(this.refreshKey, `${sessionId}.${tokenId}`).toString('base64url');
    if (!constantTimeEqual(expected, sig))
      throw new AuthException('refresh_token_invalid', 'Refresh token is not valid');
    return { sessionId, tokenId };
  }
}
