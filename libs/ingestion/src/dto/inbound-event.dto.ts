import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, IsUUID, MaxLength } from 'class-validator';
import { IsPageLimit, IsTimestamp, STRING_MAP } from '@conduit/platform';
import type { InboundStatus } from '../entities/inbound-event.entity';

const STATUSES: InboundStatus[] = ['accepted', 'routed', 'filtered', 'failed'];

export class ListInboundEventsQueryDto {
  @ApiPropertyOptional({ minimum: 1, maximum: 200, default: 50 }) @IsOptional() @IsPageLimit() limit?: number;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(200) cursor?: string;
  @ApiPropertyOptional({ format: 'uuid' }) @IsOptional() @IsUUID() source_id?: string;
  @ApiPropertyOptional({ enum: STATUSES }) @IsOptional() @IsIn(STATUSES) status?: InboundStatus;
  @ApiPropertyOptional({ example: 'payment_intent.succeeded' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  event_type?: string;
  @ApiPropertyOptional() @IsOptional() @IsTimestamp() since?: Date;
  @ApiPropertyOptional() @IsOptional() @IsTimestamp() until?: Date;
}

export class InboundEventResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) source_id: string;
  @ApiProperty() provider: string;
  @ApiProperty({ nullable: true, type: String }) delivery_id: string | null;
  @ApiProperty({ nullable: true, type: String }) event_type: string | null;
  @ApiProperty({ nullable: true, type: String }) content_type: string | null;
  @ApiProperty({ nullable: true, type: String }) source_ip: string | null;
  @ApiProperty() payload_size: number;
  @ApiProperty({ enum: STATUSES }) status: InboundStatus;
  @ApiProperty() routing_attempts: number;
  @ApiProperty({ nullable: true, type: String }) routing_error: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'uuid', description: 'The outgoing event it became' })
  routed_event_id: string | null;
  @ApiProperty() received_at: string;
  @ApiProperty({ nullable: true, type: String }) routed_at: string | null;
}

export class InboundEventDetailResponse extends InboundEventResponse {
  @ApiProperty({ ...STRING_MAP, description: 'As received; credentials masked' }) headers: Record<string, string>;
  @ApiProperty({ description: 'The body as received, UTF-8 (see body_base64 for exact bytes)' }) body: string;
  @ApiProperty({ description: 'The exact bytes received' }) body_base64: string;
}

export class InboundEventListResponse {
  @ApiProperty({ type: [InboundEventResponse] }) data: InboundEventResponse[];
  @ApiProperty({ nullable: true, type: String }) next_cursor: string | null;
}

export class ReplayResponse {
  @ApiProperty() replayed: number;
}
