import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  IsUrl,
  Length,
  Matches,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import { IsName, IsOptionalButNotNull, IsPageLimit, IsTimestamp, JSON_OBJECT, STRING_MAP } from '@conduit/platform';
import type { PayloadFormat, SubscriptionType } from '../entities/subscription.entity';
import { EVENT_NAME } from '../event-matching';

const TYPES: SubscriptionType[] = ['public', 'private'];
const FORMATS: PayloadFormat[] = ['envelope', 'raw'];
const URL_OPTIONS = {
  protocols: ['http', 'https'],
  require_protocol: true,
  require_tld: false,
  allow_underscores: true,
};

class SubscriptionSettingsDto {
  @ApiPropertyOptional({ example: 'Notify billing of paid orders', nullable: true, description: 'null clears it' })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  description?: string;

  @ApiPropertyOptional({
    ...JSON_OBJECT,
    example: { 'order.total': { $gte: 100 } },
    nullable: true,
    description:
      'Payload filter: $eq $neq $gt $gte $lt $lte $in $nin $exists on dotted paths, combined with $and / $or; null removes it',
  })
  @IsOptional()
  @IsObject()
  filter?: Record<string, unknown>;

  @ApiPropertyOptional({
    enum: TYPES,
    default: 'public',
    description: 'private also sends Authorization: Bearer <JWT>',
  })
  @IsOptionalButNotNull()
  @IsIn(TYPES)
  type?: SubscriptionType;

  @ApiPropertyOptional({
    enum: FORMATS,
    default: 'envelope',
    description: 'envelope: {type, timestamp, data}; raw: the payload as published',
  })
  @IsOptionalButNotNull()
  @IsIn(FORMATS)
  payload_format?: PayloadFormat;

  @ApiPropertyOptional({
    ...STRING_MAP,
    example: { 'X-Team': 'billing' },
    nullable: true,
    description:
      'Extra request headers (at most 20; printable ASCII values; Authorization only on public subscriptions); values are stored encrypted and shown masked; null or {} removes them',
  })
  @IsOptional()
  @IsObject()
  headers?: Record<string, string>;

  @ApiPropertyOptional({
    type: 'integer',
    isArray: true,
    minimum: 0,
    maximum: 7 * 86400,
    minItems: 1,
    maxItems: 20,
    example: [0, 5, 300, 1800],
    description: 'Delay in seconds before each attempt (first is usually 0)',
  })
  @IsOptionalButNotNull()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(20)
  @IsInt({ each: true })
  @Min(0, { each: true })
  @Max(7 * 86400, { each: true })
  retry_schedule?: number[];

  @ApiPropertyOptional({
    example: 50,
    nullable: true,
    description: 'At most this many deliveries per second to this endpoint; null removes the limit',
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(10000)
  rate_limit_per_second?: number;
}

export class CreateSubscriptionDto extends SubscriptionSettingsDto {
  @ApiProperty({ example: 'billing-service', description: 'Trimmed; not empty' })
  @IsName()
  app_name: string;

  @ApiProperty({
    example: 'https://billing.example.com/hooks/conduit',
    description: 'http(s) URL without credentials (send those as an Authorization header)',
  })
  @IsUrl(URL_OPTIONS)
  @MaxLength(2000)
  target_url: string;

  @ApiProperty({ example: ['order.created', 'invoice.*'], description: 'Event types: exact, prefix.* or *' })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(100)
  @IsString({ each: true })
  event_types: string[];
}

/** The seed's body: one subscribed_event, an optional tenant_id that must be the caller's (or one it administers). */
export class SeedSubscribeDto extends SubscriptionSettingsDto {
  @ApiPropertyOptional({ description: 'Id or code of your tenant or one you administer' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  tenant_id?: string;
  @ApiProperty({ example: 'payment_service', description: 'Trimmed; not empty' }) @IsName() app_name: string;
  @ApiProperty({ example: 'https://payments.example.com/webhook' })
  @IsUrl(URL_OPTIONS)
  @MaxLength(2000)
  target_url: string;
  @ApiProperty({ example: 'payment.completed' }) @IsString() @Length(1, 200) subscribed_event: string;
}

export class UpdateSubscriptionDto extends SubscriptionSettingsDto {
  @ApiPropertyOptional({ description: 'Trimmed; not empty' }) @IsOptionalButNotNull() @IsName() app_name?: string;
  @ApiPropertyOptional() @IsOptionalButNotNull() @IsUrl(URL_OPTIONS) @MaxLength(2000) target_url?: string;
  @ApiPropertyOptional({ type: [String] })
  @IsOptionalButNotNull()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(100)
  @IsString({ each: true })
  event_types?: string[];
  @ApiPropertyOptional({ description: 'Re-enabling also closes the circuit breaker' })
  @IsOptionalButNotNull()
  @IsBoolean()
  is_active?: boolean;
}

export class RecoverDto {
  @ApiProperty({
    example: '2026-11-20T00:00:00Z',
    format: 'date-time',
    description: 'Re-send failed deliveries created since then (not in the future)',
  })
  @IsTimestamp()
  since: Date;
}

export class TestEventDto {
  @ApiPropertyOptional({ example: 'webhook.test', default: 'webhook.test' })
  @IsOptional()
  @Matches(EVENT_NAME, { message: 'event_name must be dot-separated words such as order.created' })
  @MaxLength(200)
  event_name?: string;

  @ApiPropertyOptional({ ...JSON_OBJECT, example: { hello: 'world' } }) @IsOptional() @IsObject() payload?: Record<
    string,
    unknown
  >;
}

const ATTEMPT_ERROR_CLASSES = [
  'timeout',
  'dns',
  'connection_refused',
  'connection_reset',
  'tls',
  'ssrf_blocked',
  'invalid_url',
  'non_2xx',
  'network',
  'signing_failed',
];

/** The outcome of a test send: one attempt, recorded on its delivery like any other. */
export class TestEventResponse {
  @ApiProperty({ format: 'uuid', description: 'The test event (GET /api/v1/events/{id})' }) event_id: string;
  @ApiProperty({
    format: 'uuid',
    description: 'Its delivery, with this attempt (GET /api/v1/deliveries/{id}); the webhook-id the receiver saw',
  })
  delivery_id: string;
  @ApiProperty({ example: 'webhook.test' }) event_name: string;
  @ApiProperty({
    enum: ['delivered', 'failed'],
    example: 'delivered',
    description: 'delivered: the receiver answered 2xx. failed: it did not (see error_class); a test is not retried',
  })
  status: 'delivered' | 'failed';
  @ApiProperty({
    nullable: true,
    type: Number,
    example: 200,
    description: "The receiver's HTTP status; null when no answer came",
  })
  status_code: number | null;
  @ApiProperty({ example: 37, description: 'Milliseconds from sending the request to the end of the answer' })
  duration_ms: number;
  @ApiProperty({ nullable: true, type: String, enum: ATTEMPT_ERROR_CLASSES, example: null })
  error_class: string | null;
  @ApiProperty({ nullable: true, type: String, example: null }) error_message: string | null;
  @ApiProperty({
    nullable: true,
    type: String,
    example: 'ok',
    description: "The start of the receiver's answer (WEBHOOK_RESPONSE_BODY_LIMIT bytes); null when no answer came",
  })
  response_body: string | null;
  @ApiProperty({ description: 'The answer was longer than response_body' }) response_truncated: boolean;
}

/** Bodies of actions that take none: anything sent is refused (400), like unknown fields elsewhere. */
export class EmptyBodyDto {}

export class ListSubscriptionsQueryDto {
  @ApiPropertyOptional({ minimum: 1, maximum: 200, default: 50 }) @IsOptional() @IsPageLimit() limit?: number;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(200) cursor?: string;
  @ApiPropertyOptional({ example: 'order.created' }) @IsOptional() @IsString() @MaxLength(200) event_type?: string;
  @ApiPropertyOptional() @IsOptional() @IsIn(['true', 'false']) is_active?: 'true' | 'false';
}

/** The seed's list query: also a tenant_id (id or code) that must be the caller's or one it administers. */
export class SeedListSubscriptionsQueryDto extends ListSubscriptionsQueryDto {
  @ApiPropertyOptional({ description: 'Seed compatibility: id or code of your tenant or one you administer' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  tenant_id?: string;
}

export class SubscriptionResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) tenant_id: string;
  @ApiProperty() app_name: string;
  @ApiProperty({ nullable: true, type: String }) description: string | null;
  @ApiProperty() target_url: string;
  @ApiProperty({ type: [String] }) event_types: string[];
  @ApiProperty({ description: 'First event type (seed field)' }) subscribed_event: string;
  @ApiProperty({ ...JSON_OBJECT, nullable: true }) filter: Record<string, unknown> | null;
  @ApiProperty({ enum: TYPES }) type: SubscriptionType;
  @ApiProperty({ enum: FORMATS }) payload_format: PayloadFormat;
  @ApiProperty({ ...STRING_MAP, example: { 'X-Team': '••••' } }) headers: Record<string, string>;
  @ApiProperty({ type: 'integer', isArray: true }) retry_schedule: number[];
  @ApiProperty({ nullable: true, type: Number }) rate_limit_per_second: number | null;
  @ApiProperty() is_active: boolean;
  @ApiProperty({ nullable: true, type: String, example: 'gone' }) disabled_reason: string | null;
  @ApiProperty({ enum: ['closed', 'open', 'half_open'] }) circuit_state: string;
  @ApiProperty() consecutive_failures: number;
  @ApiProperty({ nullable: true, type: String }) previous_secret_expires_at: string | null;
  @ApiProperty() created_at: string;
  @ApiProperty() updated_at: string;
}

export class SubscriptionWithSecretResponse extends SubscriptionResponse {
  @ApiProperty({
    example: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
    description: 'Signing secret. Shown once; store it now.',
  })
  secret: string;
}

export class SubscriptionListResponse {
  @ApiProperty({ type: [SubscriptionResponse] }) data: SubscriptionResponse[];
  @ApiProperty({ nullable: true, type: String }) next_cursor: string | null;
}
