import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsUUID } from 'class-validator';
import { IsTimestamp } from '@conduit/platform';

export class ChainAnalyticsQueryDto {
  @ApiPropertyOptional({ format: 'uuid', description: 'One chain; every chain when omitted' })
  @IsOptional()
  @IsUUID()
  chain_id?: string;
  @ApiPropertyOptional({
    example: '2026-11-22T00:00:00Z',
    description: 'Window start, by run creation (default: 24 h ago)',
  })
  @IsOptional()
  @IsTimestamp()
  since?: Date;
  @ApiPropertyOptional({ example: '2026-11-23T00:00:00Z', description: 'Window end (default: now)' })
  @IsOptional()
  @IsTimestamp()
  until?: Date;
}

export class StepFailureCount {
  @ApiProperty({ example: 2 }) step_order: number;
  @ApiProperty({ example: 'Reserve Inventory' }) step_name: string;
  @ApiProperty({ description: 'Step runs that ended failed', example: 3 }) failures: number;
}

export class ChainRunStats {
  @ApiProperty({ format: 'uuid' }) chain_id: string;
  @ApiProperty() chain_name: string;
  @ApiProperty({ description: 'Runs created in the window' }) runs: number;
  @ApiProperty() completed: number;
  @ApiProperty() failed: number;
  @ApiProperty() cancelled: number;
  @ApiProperty({ description: 'pending, running or paused' }) in_flight: number;
  @ApiProperty({ nullable: true, type: Number, example: 0.95, description: 'completed / (completed + failed)' })
  completion_rate: number | null;
  @ApiProperty({ nullable: true, type: Number, description: 'Mean start-to-end time of completed runs, milliseconds' })
  avg_duration_ms: number | null;
  @ApiProperty({ nullable: true, type: Number }) p95_duration_ms: number | null;
  @ApiProperty({ type: [StepFailureCount], description: 'Which steps fail most' }) failures_by_step: StepFailureCount[];
}

export class ChainAnalyticsResponse {
  @ApiProperty() since: string;
  @ApiProperty() until: string;
  @ApiProperty({ nullable: true, type: Number, description: 'Across every chain in the window' }) completion_rate:
    number | null;
  @ApiProperty({ type: [ChainRunStats] }) data: ChainRunStats[];
}
