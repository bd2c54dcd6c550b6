import { ApiProperty } from '@nestjs/swagger';

export class ReceiveMetadata {
  @ApiProperty({ example: 'source:stripe-payments' }) destination: string;
  @ApiProperty({ example: '203.0.113.7' }) source_ip: string;
  @ApiProperty({ example: 1432 }) payload_size: number;
  @ApiProperty({ example: 9 }) header_count: number;
}

/** Firefly's WebhookResponseDTO, snake_case. */
export class ReceiveResponse {
  @ApiProperty({ format: 'uuid' }) event_id: string;
  @ApiProperty({ enum: ['accepted', 'duplicate'] }) status: 'accepted' | 'duplicate';
  @ApiProperty({ example: 'Webhook accepted for processing' }) message: string;
  @ApiProperty() received_at: string;
  @ApiProperty({ type: ReceiveMetadata }) metadata: ReceiveMetadata;
}
