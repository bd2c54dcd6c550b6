import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsISO8601, IsInt, IsOptional, Max, Min } from 'class-validator';
import { IsOptionalButNotNull } from '@conduit/platform';

export class SessionResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'date-time' }) created_at: string;
  @ApiProperty({
    format: 'date-time',
    description: 'Last refresh or use of one of its access tokens (minute precision)',
  })
  last_used_at: string;
  @ApiProperty({ format: 'date-time' }) expires_at: string;
  @ApiProperty({ nullable: true, type: String, example: '203.0.113.7' }) ip: string | null;
  @ApiProperty({ nullable: true, type: String }) user_agent: string | null;
  @ApiProperty({ enum: ['password', 'saml', 'jwks'] }) method: string;
  @ApiProperty({ nullable: true, type: String, format: 'uuid', description: 'The SSO connection (method saml)' })
  connection_id: string | null;
  @ApiProperty({ description: 'Whether this is the session of the token making the request' }) current: boolean;
}

export class SessionListResponse {
  @ApiProperty({ type: [SessionResponse] }) data: SessionResponse[];
}

export class UpdateSessionDto {
  @ApiProperty({
    format: 'date-time',
    example: '2026-12-31T18:00:00Z',
    description:
      "New expiry: in the future, never past created_at plus the tenant's maximum session lifetime (or JWT_REFRESH_TTL_SECONDS)",
  })
  @IsISO8601({ strict: true })
  expires_at: string;
}

export class RevokedSessionsResponse {
  @ApiProperty({ example: 2, description: 'How many live sessions were revoked' }) revoked: number;
}

const MAX_SECONDS = 366 * 86400;

export class AuthSettingsResponse {
  @ApiProperty({ nullable: true, type: Number, example: 43200, description: 'Seconds; null: JWT_REFRESH_TTL_SECONDS' })
  session_max_lifetime: number | null;
  @ApiProperty({ nullable: true, type: Number, example: 3600, description: 'Seconds; null: none' })
  session_idle_timeout: number | null;
  @ApiProperty({ nullable: true, type: Number, example: 5, description: 'Per user in this tenant; null: no limit' })
  max_concurrent_sessions: number | null;
  @ApiProperty({ description: 'Password login and password-session refresh answer 403 sso_required' })
  sso_enforced: boolean;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) updated_at: string | null;
}

// Each field: absent leaves it, null clears it (sso_enforced: false), a value sets it.
export class UpdateAuthSettingsDto {
  @ApiPropertyOptional({ nullable: true, type: Number, minimum: 300, maximum: MAX_SECONDS, example: 43200 })
  @IsOptional()
  @IsInt()
  @Min(300)
  @Max(MAX_SECONDS)
  session_max_lifetime?: number | null;

  @ApiPropertyOptional({ nullable: true, type: Number, minimum: 300, maximum: MAX_SECONDS, example: 3600 })
  @IsOptional()
  @IsInt()
  @Min(300)
  @Max(MAX_SECONDS)
  session_idle_timeout?: number | null;

  @ApiPropertyOptional({ nullable: true, type: Number, minimum: 1, maximum: 1000, example: 5 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(1000)
  max_concurrent_sessions?: number | null;

  @ApiPropertyOptional({
    description: 'true needs at least one enabled SSO connection (else 400 sso_not_configured)',
  })
  @IsOptionalButNotNull()
  @IsBoolean()
  sso_enforced?: boolean;
}
