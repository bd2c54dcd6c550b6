import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  IsArray,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  MaxLength,
  Min,
} from 'class-validator';
import { IsName, IsOptionalButNotNull, IsPageLimit, IsTimestamp } from '@conduit/platform';
import { CASE_SOURCES, CASE_STATUSES, CaseSource, CaseStatus, SEVERITIES, Severity } from '../entities/case.entity';

export class CreateCaseDto {
  @ApiProperty({ example: 'Suspicious sign-ins for j.doe', description: 'Trimmed; not empty' })
  @IsName()
  title: string;

  @ApiPropertyOptional({ enum: SEVERITIES, default: 'medium' })
  @IsOptionalButNotNull()
  @IsIn(SEVERITIES)
  severity?: Severity;

  @ApiPropertyOptional({
    example: 'analyst@example.com',
    nullable: true,
    type: String,
    description: 'Who works the case (free text)',
  })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  assignee?: string | null;

  @ApiPropertyOptional({ type: [String], example: ['phishing'], description: 'At most 50 tags of 1-100 characters' })
  @IsOptionalButNotNull()
  @IsArray()
  @ArrayMaxSize(50)
  @IsString({ each: true })
  @Length(1, 100, { each: true })
  tags?: string[];
}

export class UpdateCaseDto {
  @ApiProperty({
    example: 3,
    description: 'The version read: the change applies only to that version (else 409 case_version_conflict)',
  })
  @IsInt()
  @Min(1)
  version: number;

  @ApiPropertyOptional({ enum: CASE_STATUSES, description: 'closed sets closed_at; reopening clears it' })
  @IsOptionalButNotNull()
  @IsIn(CASE_STATUSES)
  status?: CaseStatus;

  @ApiPropertyOptional({ enum: SEVERITIES })
  @IsOptionalButNotNull()
  @IsIn(SEVERITIES)
  severity?: Severity;

  @ApiPropertyOptional({ nullable: true, type: String, description: 'null unassigns' })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  assignee?: string | null;

  @ApiPropertyOptional({ type: [String], description: 'Replaces the tags' })
  @IsOptionalButNotNull()
  @IsArray()
  @ArrayMaxSize(50)
  @IsString({ each: true })
  @Length(1, 100, { each: true })
  tags?: string[];
}

export class ListCasesQueryDto {
  @ApiPropertyOptional({ minimum: 1, maximum: 200, default: 50 }) @IsOptional() @IsPageLimit() limit?: number;
  @ApiPropertyOptional({ description: 'next_cursor of the previous page' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  cursor?: string;
  @ApiPropertyOptional({ enum: CASE_STATUSES }) @IsOptional() @IsIn(CASE_STATUSES) status?: CaseStatus;
  @ApiPropertyOptional({ enum: SEVERITIES }) @IsOptional() @IsIn(SEVERITIES) severity?: Severity;
  @ApiPropertyOptional({ enum: CASE_SOURCES }) @IsOptional() @IsIn(CASE_SOURCES) source?: CaseSource;
  @ApiPropertyOptional({ format: 'uuid', description: 'Cases ingested from this instance' })
  @IsOptional()
  @IsUUID()
  instance_id?: string;
  @ApiPropertyOptional({ description: 'Created at or after' }) @IsOptional() @IsTimestamp() since?: Date;
  @ApiPropertyOptional({ description: 'Created before' }) @IsOptional() @IsTimestamp() until?: Date;
  @ApiPropertyOptional({ description: 'Text in the title (case-insensitive)' })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  q?: string;
}

export class ListCaseEventsQueryDto {
  @ApiPropertyOptional({ minimum: 1, maximum: 200, default: 50 }) @IsOptional() @IsPageLimit() limit?: number;
  @ApiPropertyOptional({ description: 'next_cursor of the previous page' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  cursor?: string;
}

export class CaseResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) tenant_id: string;
  @ApiProperty({ example: 12, description: 'The tenant’s case number (the seed’s case id)' }) case_id: number;
  @ApiProperty() title: string;
  @ApiProperty({ enum: SEVERITIES }) severity: Severity;
  @ApiProperty({ enum: CASE_STATUSES }) status: CaseStatus;
  @ApiProperty({ enum: CASE_SOURCES }) source: CaseSource;
  @ApiProperty({ nullable: true, type: String, format: 'uuid' }) instance_id: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'uuid' }) inbound_source_id: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'The correlation key' }) case_key: string | null;
  @ApiProperty({ nullable: true, type: String }) assignee: string | null;
  @ApiProperty({ type: [String] }) tags: string[];
  @ApiProperty({ description: 'Send it back with PATCH (optimistic locking)' }) version: number;
  @ApiProperty() event_count: number;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) first_event_at: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) last_event_at: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) escalated_at: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) closed_at: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'uuid' }) created_by: string | null;
  @ApiProperty({ format: 'date-time' }) created_at: string;
  @ApiProperty({ format: 'date-time' }) updated_at: string;
}

export class CaseListResponse {
  @ApiProperty({ type: [CaseResponse] }) data: CaseResponse[];
  @ApiProperty({ nullable: true, type: String }) next_cursor: string | null;
}

export class CaseEventResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ nullable: true, type: String, format: 'uuid' }) case_id: string | null;
  @ApiProperty({ enum: ['instance', 'push'] }) source: 'instance' | 'push';
  @ApiProperty({ nullable: true, type: String, format: 'uuid' }) instance_id: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'uuid' }) inbound_source_id: string | null;
  @ApiProperty({ description: 'The tool’s id of the item (unique within its source)' }) external_id: string;
  @ApiProperty({ nullable: true, type: String }) title: string | null;
  @ApiProperty({ nullable: true, type: String, enum: SEVERITIES }) severity: Severity | null;
  @ApiProperty({ nullable: true, type: String }) status: string | null;
  @ApiProperty({ format: 'date-time' }) occurred_at: string;
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'The item as received' }) raw: unknown;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    nullable: true,
    description:
      'What the ingestion task’s dependent tasks answered for this event, by task tag: the task’s outputs, or ' +
      '{ "error": { "code", "message" } } for a call that failed with on_error skip; null without dependent tasks',
    example: {
      alert_details: { score: 92, analyst_notes: 'known bad hash' },
      host_info: { error: { code: 'http_error', message: 'HTTP 503' } },
    },
  })
  enrichment: Record<string, unknown> | null;
  @ApiProperty({ format: 'date-time' }) created_at: string;
}

export class CaseEventListResponse {
  @ApiProperty({ type: [CaseEventResponse] }) data: CaseEventResponse[];
  @ApiProperty({ nullable: true, type: String }) next_cursor: string | null;
}

export class CasePanelEventsResponse {
  @ApiProperty({ type: [CaseEventResponse] }) data: CaseEventResponse[];
  @ApiProperty({ example: 0 }) offset: number;
  @ApiProperty({ example: 50 }) limit: number;
  @ApiProperty({ description: 'The case’s events in all' }) total: number;
}
