import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength } from 'class-validator';
import { IsPageLimit } from '@conduit/platform';

export class ListMonitorChecksQueryDto {
  @ApiPropertyOptional({ minimum: 1, maximum: 200, default: 50 }) @IsOptional() @IsPageLimit() limit?: number;
  @ApiPropertyOptional({ description: 'next_cursor of the previous page' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  cursor?: string;
}

export class MonitorStatsQueryDto {
  @ApiPropertyOptional({
    example: '24h',
    default: '24h',
    description: 'How far back from now: a number and m, h or d, from 1h to 30d (e.g. 90m, 24h, 7d)',
  })
  @IsOptional()
  @IsString()
  @MaxLength(10)
  window?: string;
}

export class MonitorCheckResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) monitor_id: string;
  @ApiProperty({ enum: ['ok', 'failed'] }) status: 'ok' | 'failed';
  @ApiProperty({ nullable: true, type: Number, example: 200, description: 'null when no response came back' })
  status_code: number | null;
  @ApiProperty({ example: 42, description: 'From sending the request to the end of the response (or the failure)' })
  latency_ms: number;
  @ApiProperty({
    nullable: true,
    type: String,
    example: 'timeout: no complete response within 5000 ms',
    description:
      'Why the check failed: the outbound error class (timeout, dns, connection_refused, ssrf_blocked, ...) with its ' +
      'message, an unexpected status, or a missing body_contains',
  })
  error: string | null;
  @ApiProperty({ format: 'date-time', description: 'The slot the check ran for (one check per slot)' })
  scheduled_for: string;
  @ApiProperty({ format: 'date-time', description: 'When the check ended' }) checked_at: string;
}

export class MonitorCheckListResponse {
  @ApiProperty({ type: [MonitorCheckResponse] }) data: MonitorCheckResponse[];
  @ApiProperty({ nullable: true, type: String }) next_cursor: string | null;
}

export class MonitorStatsResponse {
  @ApiProperty({ format: 'uuid' }) monitor_id: string;
  @ApiProperty({ example: '24h' }) window: string;
  @ApiProperty({ format: 'date-time', description: 'Start of the window (checks ended at or after it)' })
  since: string;
  @ApiProperty({ example: 1440, description: 'Checks that ended in the window' }) checks: number;
  @ApiProperty({ example: 1432 }) ok: number;
  @ApiProperty({ example: 8 }) failed: number;
  @ApiProperty({ nullable: true, type: Number, example: 0.9944, description: 'ok / checks; null without checks' })
  uptime_ratio: number | null;
  @ApiProperty({
    nullable: true,
    type: Number,
    example: 41.5,
    description: 'Median latency (ms) over every check of the window, interpolated (percentile_cont)',
  })
  latency_p50_ms: number | null;
  @ApiProperty({ nullable: true, type: Number, example: 120 }) latency_p95_ms: number | null;
  @ApiProperty({ nullable: true, type: Number, example: 310.2 }) latency_p99_ms: number | null;
}
