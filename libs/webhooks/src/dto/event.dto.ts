import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsDefined, IsIn, IsOptional, IsString, IsUUID, Length, Matches, MaxLength } from 'class-validator';
import { IsName, IsPageLimit, IsTimestamp, JSON_VALUE, STRING_MAP } from '@conduit/platform';
import type { DeliveryStatus } from '../entities/delivery.entity';
import { EVENT_NAME } from '../event-matching';

/**
 * Sources only Conduit publishes under: its operational events, and routed inbound webhooks. A client naming its
 * events so would pass them off as Conduit's to subscribers, and keep them out of the licence's event count.
 */
const RESERVED_SOURCE = /^(?!\s*conduit\s*$)(?!\s*inbound:)/i;

const DELIVERY_STATUSES: DeliveryStatus[] = ['pending', 'delivering', 'delivered', 'failed', 'cancelled'];

export class PublishEventDto {
  @ApiProperty({ example: 'order.created' })
  @Matches(EVENT_NAME, { message: 'event_name must be dot-separated words such as order.created' })
  @MaxLength(200)
  event_name: string;

  @ApiPropertyOptional({
    example: 'shop-backend',
    default: 'api',
    description:
      "Trimmed; not empty. Reserved for Conduit's own events, refused: `conduit` (operational events such as " +
      'endpoint.disabled) and `inbound:...` (what routing publishes from received webhooks)',
  })
  @IsOptional()
  @IsName()
  @Matches(RESERVED_SOURCE, { message: "source must not be 'conduit' or start with 'inbound:' (reserved for Conduit)" })
  source?: string;

  @ApiProperty({
    ...JSON_VALUE,
    example: { order_id: 'ord_123', total: 120, currency: 'EUR' },
    description: 'Any JSON value except null: object, array, string, number or boolean',
  })
  @IsDefined()
  payload: unknown;

  @ApiPropertyOptional({
    example: 'order-123-created',
    description: 'Same key within 24 h returns the first event instead of a new one',
  })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  idempotency_key?: string;
}

export class SeedPublishEventDto extends PublishEventDto {
  @ApiPropertyOptional({ description: 'Must be your tenant or one you administer' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  tenant_id?: string;
}

export class PublishedEventResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ example: 'queued' }) status: 'queued';
  @ApiProperty() event_name: string;
  @ApiProperty({ description: 'Deliveries created (one per matching subscription)' }) deliveries: number;
  @ApiProperty({ description: 'true when an earlier event with the same idempotency key was returned' })
  duplicate: boolean;
  @ApiProperty() created_at: string;
}

export class ListEventsQueryDto {
  @ApiPropertyOptional({ minimum: 1, maximum: 200, default: 50 }) @IsOptional() @IsPageLimit() limit?: number;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(200) cursor?: string;
  @ApiPropertyOptional({ example: 'order.created' }) @IsOptional() @IsString() @MaxLength(200) event_name?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(200) source?: string;
  @ApiPropertyOptional() @IsOptional() @IsTimestamp() since?: Date;
  @ApiPropertyOptional() @IsOptional() @IsTimestamp() until?: Date;
}

export class ListDeliveriesQueryDto {
  @ApiPropertyOptional({ minimum: 1, maximum: 200, default: 50 }) @IsOptional() @IsPageLimit() limit?: number;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(200) cursor?: string;
  @ApiPropertyOptional({ enum: DELIVERY_STATUSES }) @IsOptional() @IsIn(DELIVERY_STATUSES) status?: DeliveryStatus;
  @ApiPropertyOptional({ format: 'uuid' }) @IsOptional() @IsUUID() subscription_id?: string;
  @ApiPropertyOptional({ format: 'uuid' }) @IsOptional() @IsUUID() event_id?: string;
  @ApiPropertyOptional() @IsOptional() @IsTimestamp() since?: Date;
  @ApiPropertyOptional() @IsOptional() @IsTimestamp() until?: Date;
}

export class DeliveryAttemptResponse {
  @ApiProperty() attempt_number: number;
  @ApiProperty({ nullable: true, type: Number }) status_code: number | null;
  @ApiProperty() duration_ms: number;
  @ApiProperty({
    nullable: true,
    type: String,
    enum: [
      'timeout',
      'dns',
      'connection_refused',
      'connection_reset',
      'tls',
      'ssrf_blocked',
      'invalid_url',
      'non_2xx',
      'network',
    ],
  })
  error_class: string | null;
  @ApiProperty({ nullable: true, type: String }) error_message: string | null;
  @ApiProperty(STRING_MAP) request_headers: Record<string, string>;
  @ApiProperty(STRING_MAP) response_headers: Record<string, string>;
  @ApiProperty({ nullable: true, type: String }) response_body: string | null;
  @ApiProperty() response_truncated: boolean;
  @ApiProperty() created_at: string;
}

export class DeliveryResponse {
  @ApiProperty({ format: 'uuid', description: 'Also the webhook-id header receivers see' }) id: string;
  @ApiProperty({ format: 'uuid' }) event_id: string;
  @ApiProperty({ format: 'uuid' }) subscription_id: string;
  @ApiProperty() event_name: string;
  @ApiProperty({ enum: DELIVERY_STATUSES }) status: DeliveryStatus;
  @ApiProperty() attempt_count: number;
  @ApiProperty({ nullable: true, type: String }) next_attempt_at: string | null;
  @ApiProperty({ nullable: true, type: Number }) last_status_code: number | null;
  @ApiProperty({ nullable: true, type: String }) last_error_class: string | null;
  @ApiProperty({ nullable: true, type: String }) last_error: string | null;
  @ApiProperty({ nullable: true, type: String }) delivered_at: string | null;
  @ApiProperty() created_at: string;
  @ApiProperty() updated_at: string;
}

export class DeliveryDetailResponse extends DeliveryResponse {
  @ApiProperty({ type: [DeliveryAttemptResponse] }) attempts: DeliveryAttemptResponse[];
}

export class EventResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() event_name: string;
  @ApiProperty() source: string;
  @ApiProperty({ ...JSON_VALUE, description: 'As published' }) payload: unknown;
  @ApiProperty({ nullable: true, type: String }) idempotency_key: string | null;
  @ApiProperty() delivery_count: number;
  @ApiProperty() created_at: string;
}

export class EventDetailResponse extends EventResponse {
  @ApiProperty({ type: [DeliveryResponse] }) deliveries: DeliveryResponse[];
}

export class EventListResponse {
  @ApiProperty({ type: [EventResponse] }) data: EventResponse[];
  @ApiProperty({ nullable: true, type: String }) next_cursor: string | null;
}

export class DeliveryListResponse {
  @ApiProperty({ type: [DeliveryResponse] }) data: DeliveryResponse[];
  @ApiProperty({ nullable: true, type: String }) next_cursor: string | null;
}

export class RecoverResponse {
  @ApiProperty({ description: 'Failed deliveries queued again' }) recovered: number;
}
