import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsBoolean, IsIn, IsInt, IsObject, IsOptional, IsString, Length, Matches, Max, MaxLength, Min } from 'class-validator';
import { IsTimestamp } from '@conduit/platform';
import type { InboundProviderName } from '../entities/inbound-source.entity';
import { INBOUND_PROVIDERS } from '../verification';

const CIDR = /^[0-9a-fA-F:.]+(\/\d{1,3})?$/;

class SourceSettingsDto {
  @ApiPropertyOptional({ example: ['203.0.113.0/24'], description: 'Only these address ranges may post (empty: any)' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @Matches(CIDR, { each: true, message: 'allowed_cidrs must be IP ranges like 203.0.113.0/24' })
  allowed_cidrs?: string[];

  @ApiPropertyOptional({ example: '$.event.kind', description: 'JSON path of the event type when the provider has no convention' })
  @IsOptional()
  @IsString()
  @Matches(/^\$(\.[A-Za-z0-9_-]+|\[\d+\])+$/, { message: 'event_type_path must be a simple JSON path such as $.type or $.data[0].kind' })
  event_type_path?: string;

  @ApiPropertyOptional({ example: { livemode: { $eq: true } }, description: 'Only matching payloads are routed ($eq $neq $gt ... on dotted paths)' })
  @IsOptional()
  @IsObject()
  filter?: Record<string, unknown>;

  @ApiPropertyOptional({ example: 262144, description: 'Largest accepted body in bytes (413 beyond)' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(10 * 1024 * 1024)
  max_body_bytes?: number;
}

export class CreateSourceDto extends SourceSettingsDto {
  @ApiProperty({ example: 'stripe-payments' })
  @IsString()
  @Length(1, 200)
  name: string;

  @ApiProperty({ enum: INBOUND_PROVIDERS, example: 'stripe' })
  @IsIn(INBOUND_PROVIDERS)
  provider: InboundProviderName;

  @ApiPropertyOptional({
    example: 'whsec_...',
    description: 'Verification secret as the provider gives it (Stripe/Standard Webhooks whsec_, GitHub secret, API key, user:password for basic). Generated when omitted.',
    writeOnly: true,
  })
  @IsOptional()
  @IsString()
  @Length(8, 500)
  secret?: string;
}

export class UpdateSourceDto extends SourceSettingsDto {
  @ApiPropertyOptional() @IsOptional() @IsString() @Length(1, 200) name?: string;
  @ApiPropertyOptional() @IsOptional() @IsBoolean() is_active?: boolean;
}

export class RotateSourceSecretDto {
  @ApiPropertyOptional({ description: 'New secret (generated when omitted)', writeOnly: true }) @IsOptional() @IsString() @Length(8, 500) secret?: string;
  @ApiPropertyOptional({ example: 86400, description: 'How long the previous secret is still accepted' })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(30 * 86400)
  grace_seconds?: number;
}

/** The seed's POST /api/webhooks/generate body. */
export class GenerateWebhookDto {
  @ApiPropertyOptional({ description: 'Must be your tenant or one you administer' }) @IsOptional() @IsString() @MaxLength(100) tenant_id?: string;
  @ApiPropertyOptional({ example: 'partner-callbacks' }) @IsOptional() @IsString() @Length(1, 200) name?: string;
  @ApiPropertyOptional({ enum: ['public', 'private'], default: 'public', description: 'private also requires a Bearer JWT' })
  @IsOptional()
  @IsIn(['public', 'private'])
  type?: 'public' | 'private';
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(500) description?: string;
}

export class ListSourcesQueryDto {
  @ApiPropertyOptional({ minimum: 1, maximum: 200, default: 50 }) @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(200) limit?: number;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(200) cursor?: string;
}

export class SourceResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) tenant_id: string;
  @ApiProperty() name: string;
  @ApiProperty({ enum: INBOUND_PROVIDERS }) provider: InboundProviderName;
  @ApiProperty({ description: 'Where the provider posts (Firefly path with this source key)' }) ingest_url: string;
  @ApiProperty({ description: 'The seed path, by source id' }) receive_url: string;
  @ApiProperty({ nullable: true, type: String, example: '••••3f9a' }) secret: string | null;
  @ApiProperty({ nullable: true, type: String }) previous_secret_expires_at: string | null;
  @ApiProperty({ type: [String] }) allowed_cidrs: string[];
  @ApiProperty({ nullable: true, type: String }) event_type_path: string | null;
  @ApiProperty({ nullable: true, type: Object }) filter: Record<string, unknown> | null;
  @ApiProperty() max_body_bytes: number;
  @ApiProperty() is_active: boolean;
  @ApiProperty() rejected_count: number;
  @ApiProperty({ nullable: true, type: String }) last_rejected_reason: string | null;
  @ApiProperty({ nullable: true, type: String }) last_rejected_at: string | null;
  @ApiProperty() created_at: string;
  @ApiProperty() updated_at: string;
}

export class SourceWithSecretResponse extends SourceResponse {
  @ApiProperty({ description: 'The full secret. Shown once.' }) declare secret: string;
  @ApiPropertyOptional({ description: 'jwt_hmac sources: a Bearer token callers send (seed private model)' }) auth_token?: string;
}

export class SourceListResponse {
  @ApiProperty({ type: [SourceResponse] }) data: SourceResponse[];
  @ApiProperty({ nullable: true, type: String }) next_cursor: string | null;
}

export class GeneratedWebhookResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ example: 'https://conduit.example.com/api/webhooks/receive/0193...' }) url: string;
  @ApiProperty({ description: 'HMAC secret for X-Loki-Signature (shown once)' }) secret_token: string;
  @ApiPropertyOptional({ description: 'private: Bearer JWT to send (shown once)' }) auth_token?: string;
  @ApiProperty({ enum: ['public', 'private'] }) type: 'public' | 'private';
  @ApiProperty() created_at: string;
}

export class InboundReplayRangeDto {
  @ApiProperty({ example: '2026-11-23T00:00:00Z' }) @IsTimestamp() since: Date;
  @ApiProperty({ example: '2026-11-23T12:00:00Z' }) @IsTimestamp() until: Date;
  @ApiPropertyOptional({ format: 'uuid' }) @IsOptional() @IsString() @MaxLength(100) source_id?: string;
}
