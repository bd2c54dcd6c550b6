import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsDate,
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  IsUrl,
  IsUUID,
  Length,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import type { PayloadFormat, SubscriptionType } from '../entities/subscription.entity';

const TYPES: SubscriptionType[] = ['public', 'private'];
const FORMATS: PayloadFormat[] = ['envelope', 'raw'];
const URL_OPTIONS = { protocols: ['http', 'https'], require_protocol: true, require_tld: false, allow_underscores: true };

class SubscriptionSettingsDto {
  @ApiPropertyOptional({ example: 'Notify billing of paid orders' })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  description?: string;

  @ApiPropertyOptional({ example: { 'order.total': { $gte: 100 } }, description: 'Payload filter: $eq $neq $gt $gte $lt $lte $in $nin $exists on dotted paths' })
  @IsOptional()
  @IsObject()
  filter?: Record<string, unknown>;

  @ApiPropertyOptional({ enum: TYPES, default: 'public', description: 'private also sends Authorization: Bearer <JWT>' })
  @IsOptional()
  @IsIn(TYPES)
  type?: SubscriptionType;

  @ApiPropertyOptional({ enum: FORMATS, default: 'envelope', description: 'envelope: {type, timestamp, data}; raw: the payload as published' })
  @IsOptional()
  @IsIn(FORMATS)
  payload_format?: PayloadFormat;

  @ApiPropertyOptional({ example: { 'X-Team': 'billing' }, description: 'Extra request headers; values are stored encrypted and shown masked' })
  @IsOptional()
  @IsObject()
  headers?: Record<string, string>;

  @ApiPropertyOptional({ example: [0, 5, 300, 1800], description: 'Delay in seconds before each attempt (first is usually 0)' })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(20)
  @IsInt({ each: true })
  @Min(0, { each: true })
  @Max(7 * 86400, { each: true })
  retry_schedule?: number[];

  @ApiPropertyOptional({ example: 50, description: 'At most this many deliveries per second to this endpoint' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(10000)
  rate_limit_per_second?: number;
}

export class CreateSubscriptionDto extends SubscriptionSettingsDto {
  @ApiProperty({ example: 'billing-service' })
  @IsString()
  @Length(1, 200)
  app_name: string;

  @ApiProperty({ example: 'https://billing.example.com/hooks/conduit' })
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
  @ApiPropertyOptional({ format: 'uuid' }) @IsOptional() @IsString() @MaxLength(100) tenant_id?: string;
  @ApiProperty({ example: 'payment_service' }) @IsString() @Length(1, 200) app_name: string;
  @ApiProperty({ example: 'https://payments.example.com/webhook' }) @IsUrl(URL_OPTIONS) @MaxLength(2000) target_url: string;
  @ApiProperty({ example: 'payment.completed' }) @IsString() @Length(1, 200) subscribed_event: string;
}

export class UpdateSubscriptionDto extends SubscriptionSettingsDto {
  @ApiPropertyOptional() @IsOptional() @IsString() @Length(1, 200) app_name?: string;
  @ApiPropertyOptional() @IsOptional() @IsUrl(URL_OPTIONS) @MaxLength(2000) target_url?: string;
  @ApiPropertyOptional({ type: [String] })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(100)
  @IsString({ each: true })
  event_types?: string[];
  @ApiPropertyOptional({ description: 'Re-enabling also closes the circuit breaker' }) @IsOptional() @IsBoolean() is_active?: boolean;
}

export class RecoverDto {
  @ApiProperty({ example: '2026-11-20T00:00:00Z', description: 'Re-send failed deliveries created since then' })
  @Type(() => Date)
  @IsDate()
  since: Date;
}

export class TestEventDto {
  @ApiPropertyOptional({ example: 'webhook.test', default: 'webhook.test' }) @IsOptional() @IsString() @Length(1, 200) event_name?: string;
  @ApiPropertyOptional({ example: { hello: 'world' } }) @IsOptional() @IsObject() payload?: Record<string, unknown>;
}

export class ListSubscriptionsQueryDto {
  @ApiPropertyOptional({ minimum: 1, maximum: 200, default: 50 }) @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(200) limit?: number;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(200) cursor?: string;
  @ApiPropertyOptional({ example: 'order.created' }) @IsOptional() @IsString() @MaxLength(200) event_type?: string;
  @ApiPropertyOptional() @IsOptional() @IsIn(['true', 'false']) is_active?: 'true' | 'false';
  @ApiPropertyOptional({ format: 'uuid', description: 'Seed compatibility: must be your tenant or one you administer' })
  @IsOptional()
  @IsUUID()
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
  @ApiProperty({ nullable: true, type: Object }) filter: Record<string, unknown> | null;
  @ApiProperty({ enum: TYPES }) type: SubscriptionType;
  @ApiProperty({ enum: FORMATS }) payload_format: PayloadFormat;
  @ApiProperty({ example: { 'X-Team': '••••' } }) headers: Record<string, string>;
  @ApiProperty({ type: [Number] }) retry_schedule: number[];
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
  @ApiProperty({ example: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', description: 'Signing secret. Shown once; store it now.' })
  secret: string;
}

export class SubscriptionListResponse {
  @ApiProperty({ type: [SubscriptionResponse] }) data: SubscriptionResponse[];
  @ApiProperty({ nullable: true, type: String }) next_cursor: string | null;
}
