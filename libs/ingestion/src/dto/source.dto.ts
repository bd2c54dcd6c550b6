import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  Length,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateBy,
  ValidationArguments,
} from 'class-validator';
import { IsName, IsOptionalButNotNull, IsPageLimit, IsTimestamp, JSON_OBJECT } from '@conduit/platform';
import { addressRangesProblem } from '../address-ranges';
import type { InboundProviderName } from '../entities/inbound-source.entity';
import { INBOUND_PROVIDERS } from '@conduit/signatures';

/** Every entry is an IPv4 or IPv6 address or network (see parseAddressRange); the message names the first bad one. */
const IsAddressRanges = (): PropertyDecorator =>
  ValidateBy({
    name: 'isAddressRanges',
    validator: {
      validate: (value: unknown) =>
        Array.isArray(value) &&
        value.every((v) => typeof v === 'string') &&
        addressRangesProblem(value as string[]) === null,
      defaultMessage: ({ value, property }: ValidationArguments) =>
        (Array.isArray(value) &&
          value.every((v) => typeof v === 'string') &&
          addressRangesProblem(value as string[], property)) ||
        `${property} must be a list of IP ranges such as 203.0.113.0/24`,
    },
  });

class SourceSettingsDto {
  @ApiPropertyOptional({
    example: ['203.0.113.0/24', '2001:db8::/32', '198.51.100.7'],
    description:
      'Only these IPv4/IPv6 addresses or networks may post ([]: any; not null). A network must have no bits set beyond its prefix.',
  })
  @IsOptionalButNotNull()
  @IsArray()
  @ArrayMaxSize(50)
  @IsString({ each: true })
  @IsAddressRanges()
  allowed_cidrs?: string[];

  @ApiPropertyOptional({
    example: '$.event.kind',
    nullable: true,
    maxLength: 200,
    description: 'JSON path of the event type when the provider has no convention ($.a.b[0] form); null removes it',
  })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  @Matches(/^\$(\.[A-Za-z0-9_-]+|\[\d+\])+$/, {
    message: 'event_type_path must be a simple JSON path such as $.type or $.data[0].kind',
  })
  event_type_path?: string;

  @ApiPropertyOptional({
    ...JSON_OBJECT,
    example: { livemode: { $eq: true } },
    nullable: true,
    description: 'Only matching payloads are routed ($eq $neq $gt ... on dotted paths); null removes it',
  })
  @IsOptional()
  @IsObject()
  filter?: Record<string, unknown>;

  @ApiPropertyOptional({
    ...JSON_OBJECT,
    example: {
      field_mapping: { external_id: '$.id', title: '$.rule.name', severity: '$.level', case_key: '$.host' },
      filter: 'item.level != "debug"',
      correlation_window_seconds: 3600,
      escalation_rules: [{ name: 'many events', when: 'case.event_count >= 10', severity: 'high' }],
    },
    nullable: true,
    description:
      'Turns the items of accepted requests into case events and cases (see docs/cases.md): the body is an array ' +
      'of items, one item, or the array at items_path. 400 invalid_case_mapping names each bad field. null removes it.',
  })
  @IsOptional()
  @IsObject()
  case_mapping?: Record<string, unknown> | null;

  @ApiPropertyOptional({
    example: 262144,
    description: "Largest accepted body in bytes (413 beyond); at most the server's BODY_LIMIT_BYTES",
  })
  @IsOptionalButNotNull()
  @IsInt()
  @Min(1)
  @Max(10 * 1024 * 1024)
  max_body_bytes?: number;
}

export class CreateSourceDto extends SourceSettingsDto {
  @ApiProperty({ example: 'stripe-payments', description: 'Trimmed; not empty' })
  @IsName()
  name: string;

  @ApiProperty({ enum: INBOUND_PROVIDERS, example: 'stripe' })
  @IsIn(INBOUND_PROVIDERS)
  provider: InboundProviderName;

  @ApiPropertyOptional({
    example: 'whsec_...',
    description:
      'Verification secret as the provider gives it (Stripe/Standard Webhooks whsec_, GitHub secret, API key, user:password for basic). Generated when omitted.',
    writeOnly: true,
  })
  // Not null: it reached the provider's secret check as null (a 500).
  @IsOptionalButNotNull()
  @IsString()
  @Length(8, 500)
  secret?: string;
}

export class UpdateSourceDto extends SourceSettingsDto {
  @ApiPropertyOptional({ description: 'Trimmed; not empty' }) @IsOptionalButNotNull() @IsName() name?: string;
  @ApiPropertyOptional() @IsOptionalButNotNull() @IsBoolean() is_active?: boolean;
}

export class RotateSourceSecretDto {
  @ApiPropertyOptional({ description: 'New secret (generated when omitted; not null)', writeOnly: true })
  @IsOptionalButNotNull()
  @IsString()
  @Length(8, 500)
  secret?: string;
  @ApiPropertyOptional({ example: 86400, description: 'How long the previous secret is still accepted' })
  @IsOptionalButNotNull()
  @IsInt()
  @Min(0)
  @Max(30 * 86400)
  grace_seconds?: number;
}

/** The seed's POST /api/webhooks/generate body. */
export class GenerateWebhookDto {
  @ApiPropertyOptional({ description: 'Must be your tenant or one you administer' })
  @IsOptional()
  @IsString()
  @Length(1, 100)
  tenant_id?: string;
  @ApiPropertyOptional({ example: 'partner-callbacks', description: 'Trimmed; not empty' })
  @IsOptional()
  @IsName()
  name?: string;
  @ApiPropertyOptional({
    enum: ['public', 'private'],
    default: 'public',
    description: 'private also requires a Bearer JWT',
  })
  @IsOptional()
  @IsIn(['public', 'private'])
  type?: 'public' | 'private';
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(500) description?: string;
}

export class ListSourcesQueryDto {
  @ApiPropertyOptional({ minimum: 1, maximum: 200, default: 50 }) @IsOptional() @IsPageLimit() limit?: number;
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
  @ApiProperty({ ...JSON_OBJECT, nullable: true }) filter: Record<string, unknown> | null;
  @ApiProperty({ ...JSON_OBJECT, nullable: true, description: 'The case mapping, if items become cases' })
  case_mapping: Record<string, unknown> | null;
  @ApiProperty() max_body_bytes: number;
  @ApiProperty() is_active: boolean;
  @ApiProperty() rejected_count: number;
  @ApiProperty({ nullable: true, type: String }) last_rejected_reason: string | null;
  @ApiProperty({ nullable: true, type: String }) last_rejected_at: string | null;
  @ApiProperty() created_at: string;
  @ApiProperty() updated_at: string;
}

export class SourceWithSecretResponse extends SourceResponse {
  @ApiProperty({ nullable: true, type: String, description: 'The full secret. Shown once (null for provider none).' })
  declare secret: string | null;
  @ApiPropertyOptional({ description: 'jwt_hmac sources: a Bearer token callers send (seed private model)' })
  auth_token?: string;
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
