// The Swagger shapes of instance ingestion. The PUT body is checked whole by checkIngestionConfig (one 400
// invalid_ingestion_config naming every bad field), so this class documents it and the controller takes the raw body.
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsString } from 'class-validator';
import { JSON_OBJECT } from '@conduit/platform';

export class PutIngestionDto {
  @ApiProperty({ example: 'fetch_alerts', description: 'A task of the instance’s integration with ingest_cases true' })
  task_tag: string;
  @ApiPropertyOptional({ example: 300, default: 300, description: 'Seconds between runs (1-86400)' })
  interval_seconds?: number;
  @ApiPropertyOptional({ example: 86400, default: 86400, description: 'Seconds back where the first window starts' })
  first_fetch?: number;
  @ApiPropertyOptional({
    example: 120,
    default: 0,
    description: 'Each window starts this many seconds before the cursor',
  })
  lookback_seconds?: number;
  @ApiPropertyOptional({ example: 30, default: 0, description: 'A window ends this many seconds before now' })
  settle_seconds?: number;
  @ApiPropertyOptional({
    example: 100,
    default: 100,
    description: 'Items asked per page (1-1000), the page_size input',
  })
  page_size?: number;
  @ApiPropertyOptional({
    example: 10000,
    default: 10000,
    description: 'A run stops after this many items (resumes next run)',
  })
  max_items_per_run?: number;
  @ApiPropertyOptional({
    example: '$.alerts',
    nullable: true,
    type: String,
    description: 'JSONPath of the items’ array in the task’s response; default the task’s first is_array output',
  })
  items_path?: string | null;
  @ApiPropertyOptional({
    ...JSON_OBJECT,
    nullable: true,
    example: { type: 'token', next_path: '$.next', param: 'page_token' },
    description:
      '{ type: token, next_path, param (default page_token) } or { type: page, param (default page) } or none',
  })
  pagination?: Record<string, unknown> | null;
  @ApiPropertyOptional({ example: true, default: true })
  enabled?: boolean;
  @ApiProperty({
    ...JSON_OBJECT,
    example: { external_id: '$.id', title: '$.rule', severity: '$.level', occurred_at: '$.ts', case_key: '$.host' },
    description: 'The case mapping’s selectors (docs/cases.md)',
  })
  field_mapping: Record<string, string>;
  @ApiPropertyOptional({ example: "item.level != 'debug'", nullable: true, type: String })
  filter?: string | null;
  @ApiPropertyOptional({ ...JSON_OBJECT, example: { P1: 'critical' } })
  severity_map?: Record<string, string>;
  @ApiPropertyOptional({ example: 3600, nullable: true, type: Number })
  correlation_window_seconds?: number | null;
  @ApiPropertyOptional({ example: true, default: true })
  auto_create_cases?: boolean;
  @ApiPropertyOptional({
    type: 'array',
    items: JSON_OBJECT,
    example: [{ name: 'burst', when: 'case.event_count >= 10', severity: 'high' }],
  })
  escalation_rules?: Record<string, unknown>[];
}

export class ResetCursorDto {
  @ApiProperty({ example: '2026-12-01T00:00:00Z', description: 'The next window starts here (before the lookback)' })
  @IsString()
  cursor: string;
}

export class IngestionResponse {
  @ApiProperty({ format: 'uuid' }) instance_uuid: string;
  @ApiProperty() instance_id: number;
  @ApiProperty() task_tag: string;
  @ApiProperty() enabled: boolean;
  @ApiProperty({ ...JSON_OBJECT, description: 'The settings as stored (the PUT body with its defaults)' })
  config: Record<string, unknown>;
  @ApiProperty({ nullable: true, type: String, description: 'Where the next window starts, before the lookback' })
  cursor: string | null;
  @ApiProperty({ ...JSON_OBJECT, nullable: true, description: 'A run stopped by max_items_per_run resumes here' })
  resume: Record<string, unknown> | null;
  @ApiProperty({ description: 'The next window’s start (the resume point’s, or cursor minus lookback)' })
  next_window_start: string;
  @ApiProperty() next_run_at: string;
  @ApiProperty({ description: 'A worker holds the lease now' }) running: boolean;
  @ApiProperty({ ...JSON_OBJECT, nullable: true, description: 'The last run’s outcome' })
  last_run: Record<string, unknown> | null;
  @ApiProperty({ nullable: true, type: String }) last_run_at: string | null;
}

export class StartTimeResponse {
  @ApiProperty({ description: 'The instance’s number' }) instance_id: number;
  @ApiProperty() enabled: boolean;
  @ApiProperty({ description: 'Where the next window starts (the resume point’s start, or cursor minus lookback)' })
  next_window_start: string;
  @ApiProperty({ nullable: true, type: String }) cursor: string | null;
  @ApiProperty({ ...JSON_OBJECT, nullable: true }) resume: Record<string, unknown> | null;
  @ApiProperty({ ...JSON_OBJECT, nullable: true, description: 'The last run’s outcome' })
  last_run: Record<string, unknown> | null;
  @ApiProperty({ nullable: true, type: String }) last_run_at: string | null;
  @ApiProperty({ description: 'When the next run is due' }) next_run_at: string;
}
