import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsUUID } from 'class-validator';
import { IsTimestamp } from '@conduit/platform';

export class DeliveryAnalyticsQueryDto {
  @ApiPropertyOptional({ format: 'uuid', description: 'One subscription; all of them when omitted' })
  @IsOptional()
  @IsUUID()
  subscription_id?: string;
  @ApiPropertyOptional({ example: '2026-11-22T00:00:00Z', description: 'Window start (default: 24 h ago)' })
  @IsOptional()
  @IsTimestamp()
  since?: Date;
  @ApiPropertyOptional({ example: '2026-11-23T00:00:00Z', description: 'Window end (default: now)' })
  @IsOptional()
  @IsTimestamp()
  until?: Date;
}

export class ErrorClassCount {
  @ApiProperty({ example: 'timeout' }) error_class: string;
  @ApiProperty({ example: 12 }) count: number;
}

export class SubscriptionDeliveryStats {
  @ApiProperty({ format: 'uuid' }) subscription_id: string;
  @ApiProperty() app_name: string;
  @ApiProperty({ description: 'Deliveries created in the window' }) deliveries: number;
  @ApiProperty() delivered: number;
  @ApiProperty() failed: number;
  @ApiProperty({ description: 'Still pending or being attempted' }) in_flight: number;
  @ApiProperty({ nullable: true, type: Number, example: 0.987, description: 'delivered / (delivered + failed)' })
  success_rate: number | null;
  @ApiProperty({ nullable: true, type: Number, description: 'Attempt duration, milliseconds' }) latency_p50_ms:
    number | null;
  @ApiProperty({ nullable: true, type: Number }) latency_p95_ms: number | null;
  @ApiProperty({ nullable: true, type: Number, example: 1.2 }) attempts_per_delivery: number | null;
  @ApiProperty({ type: [ErrorClassCount] }) top_error_classes: ErrorClassCount[];
}

export class DeliveryAnalyticsResponse {
  @ApiProperty() since: string;
  @ApiProperty() until: string;
  @ApiProperty({ type: [SubscriptionDeliveryStats] }) data: SubscriptionDeliveryStats[];
}
