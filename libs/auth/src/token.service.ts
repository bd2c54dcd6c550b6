// Access tokens (HS256 JWTs we issue, or RS256/ES256 from a company IdP via JWKS) and signed refresh tokens.
import { Injectable } from '@nestjs/common';
import jwt, { JwtPayload } from 'jsonwebtoken';
import { JwksClient } from 'jwks-rsa';
import { Role } from '@conduit/access';
import {
  ConduitConfig,
  IdGenerator,
  InjectConfig,
  MasterKeyring,
  constantTimeEqual,
  hmacSha256,
  isUuid,
  textProblem,
} from '@conduit/platform';
import { AuthException } from './auth.exception';

export interface AccessClaims {
  sub: string;
  tid: string;
  roles: Role[];
  jti: string;
  sid?: string;
  exp: number;
}

export interface ExternalClaims {
  email: string;
  tenant: string;
  jti?: string;
  exp?: number;
}

const REFRESH_PREFIX = 'crt_';

@Injectable()
export class TokenService {
  private readonly signingKey: Buffer;
  private readonly refreshKey: Buffer;
  private readonly jwks: JwksClient | null;

  constructor(
    @InjectConfig() private readonly config: ConduitConfig,
    private readonly ids: IdGenerator,
  ) {
    const keyring = MasterKeyring.parse(config.CONDUIT_MASTER_KEY);
    this.signingKey = config.JWT_SECRET ? Buffer.from(config.JWT_SECRET) : keyring.deriveKey('conduit/jwt-signing');
    this.refreshKey = keyring.deriveKey('conduit/refresh-token');
    this.jwks = config.JWT_JWKS_URL
      ? new JwksClient({
          jwksUri: config.JWT_JWKS_URL,
          cache: true,
          cacheMaxAge: 10 * 60 * 1000,
          rateLimit: true,
          timeout: 5000,
        })
      : null;
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
    return { token, claims: this.verifyLocal(token) };
  }

  /** Tells our own tokens (HS256) from identity-provider tokens (asymmetric, verified against JWKS). */
  isExternal(token: string): boolean {
    const decoded = jwt.decode(token, { complete: true });
    return Boolean(decoded && typeof decoded === 'object' && decoded.header.alg !== 'HS256');
  }

  verifyLocal(token: string): AccessClaims {
    let payload: JwtPayload | string;
    try {
      payload = jwt.verify(token, this.signingKey, {
        algorithms: ['HS256'],
        issuer: this.config.JWT_ISSUER,
        audience: this.config.JWT_AUDIENCE,
      });
    } catch (err) {
      throw this.translate(err);
    }
    if (
      typeof payload === 'string' ||
      payload.typ !== 'access' ||
      typeof payload.sub !== 'string' ||
      typeof payload.tid !== 'string' ||
      typeof payload.jti !== 'string' ||
      typeof payload.exp !== 'number'
    ) {
      throw new AuthException('token_invalid', 'Access token is malformed');
    }
    return {
      sub: payload.sub,
      tid: payload.tid,
      roles: Array.isArray(payload.roles) ? (payload.roles as Role[]) : [],
      jti: payload.jti,
      sid: typeof payload.sid === 'string' ? payload.sid : undefined,
      exp: payload.exp,
    };
  }

  async verifyExternal(token: string): Promise<ExternalClaims> {
    const jwks = this.jwks;
    if (!jwks) throw new AuthException('token_invalid', 'Tokens from an identity provider are not accepted here');
    let payload: JwtPayload | string;
    try {
      payload = await new Promise<JwtPayload | string>((resolve, reject) =>
        jwt.verify(
          token,
          (header, cb) => {
            jwks
              .getSigningKey(header.kid)
              .then((key) => cb(null, key.getPublicKey()))
              .catch((err: Error) => cb(err));
          },
          {
            algorithms: ['RS256', 'RS384', 'RS512', 'ES256', 'ES384', 'PS256'],
            issuer: this.config.JWT_JWKS_ISSUER,
            audience: this.config.JWT_JWKS_AUDIENCE,
          },
          (err, decoded) => (err ? reject(err) : resolve(decoded as JwtPayload)),
        ),
      );
    } catch (err) {
      throw this.translate(err);
    }
    if (typeof payload === 'string') throw new AuthException('token_invalid', 'Token payload is not a JSON object');
    const email = payload[this.config.JWT_JWKS_EMAIL_CLAIM];
    const tenant = payload[this.config.JWT_JWKS_TENANT_CLAIM];
    if (typeof email !== 'string' || typeof tenant !== 'string') {
      throw new AuthException(
        'token_invalid',
        `Identity-provider token must carry the ${this.config.JWT_JWKS_EMAIL_CLAIM} and ${this.config.JWT_JWKS_TENANT_CLAIM} claims`,
      );
    }
    // Signed does not mean storable: NUL or a lone surrogate would reach PostgreSQL in the lookups (a 500).
    if (textProblem(email) || textProblem(tenant)) {
      throw new AuthException(
        'token_invalid',
        'Identity-provider token claims contain characters that are not valid text',
      );
    }
    return { email, tenant, jti: typeof payload.jti === 'string' ? payload.jti : undefined, exp: payload.exp };
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

  private translate(err: unknown): AuthException {
    if (err instanceof AuthException) return err;
    if (err instanceof jwt.TokenExpiredError) return new AuthException('token_expired', 'Access token has expired');
    return new AuthException('token_invalid', 'Access token is not valid');
  }
}
