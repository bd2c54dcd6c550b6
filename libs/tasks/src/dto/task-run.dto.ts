import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsObject, IsOptional, IsString, IsUUID, Matches, Max, MaxLength, Min } from 'class-validator';
import { IsPageLimit, IsTimestamp, JSON_OBJECT } from '@conduit/platform';
import { TASK_RUN_SOURCES, TASK_RUN_STATUSES } from '../entities/task-run.entity';
import type { TaskRunSource, TaskRunStatus } from '../entities/task-run.entity';

const JSON_OBJECT_OR_NULL = { ...JSON_OBJECT, nullable: true };

/** The longest ?wait a request may hold the connection for. */
export const MAX_WAIT_SECONDS = 60;

export class StartTaskRunDto {
  @ApiPropertyOptional({
    ...JSON_OBJECT,
    example: { ip: '203.0.113.7' },
    description:
      'Values of the task’s input fields, checked against its input schema (GET /apps/v1/task/input/...). Secret ' +
      'fields are sealed and show as { "set": true } in the run.',
  })
  @IsOptional()
  @IsObject()
  input?: Record<string, unknown>;
}

export class StartTaskRunQueryDto {
  @ApiPropertyOptional({
    type: 'integer',
    minimum: 0,
    maximum: MAX_WAIT_SECONDS,
    description:
      'Seconds to wait for the run to end: 200 with the finished run when it ends in time, else 202 with the run ' +
      'as it is then (poll GET /api/v1/task-runs/{id}). 0 or absent answers 202 at once.',
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(MAX_WAIT_SECONDS)
  wait?: number;
}

export class ListTaskRunsQueryDto {
  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 200, default: 50 })
  @IsOptional()
  @IsPageLimit()
  limit?: number;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(200) cursor?: string;
  @ApiPropertyOptional({ format: 'uuid', description: 'Runs on this instance' })
  @IsOptional()
  @IsUUID()
  instance_id?: string;
  @ApiPropertyOptional({ example: 'lookup_ip', description: 'Runs of the task with this tag' })
  @IsOptional()
  @IsString()
  @Matches(/^[a-z][a-z0-9_]{0,63}$/)
  task_tag?: string;
  @ApiPropertyOptional({ enum: TASK_RUN_STATUSES }) @IsOptional() @IsIn(TASK_RUN_STATUSES) status?: TaskRunStatus;
  @ApiPropertyOptional({ enum: TASK_RUN_SOURCES }) @IsOptional() @IsIn(TASK_RUN_SOURCES) source?: TaskRunSource;
  @ApiPropertyOptional({ example: '2026-12-01T00:00:00Z', description: 'Created at or after' })
  @IsOptional()
  @IsTimestamp()
  since?: Date;
  @ApiPropertyOptional({ example: '2026-12-02T00:00:00Z', description: 'Created before' })
  @IsOptional()
  @IsTimestamp()
  until?: Date;
}

export class TaskRunErrorResponse {
  @ApiProperty({
    example: 'http_error',
    description:
      'http_error, network_error, timeout, render_failed, credential_host_not_allowed, oauth2_token_failed, ' +
      'output_extraction_failed, dependency_failed, cancelled, task_unavailable, instance_unavailable, gave_up',
  })
  code: string;
  @ApiProperty({ description: 'What happened, credentials masked' }) message: string;
  @ApiPropertyOptional({ type: 'integer' }) status_code?: number;
  @ApiPropertyOptional({ description: 'The dependency (task tag) whose failure failed the run' }) dependency?: string;
}

export class TaskRunAttemptResponse {
  @ApiProperty({ type: 'integer' }) attempt: number;
  @ApiProperty({ format: 'date-time' }) started_at: string;
  @ApiProperty({ type: 'integer' }) duration_ms: number;
  @ApiProperty({
    ...JSON_OBJECT,
    description: 'method, url, headers, body excerpt; credentials as [REDACTED]',
  })
  request: Record<string, unknown>;
  @ApiProperty({ ...JSON_OBJECT_OR_NULL, description: 'status, headers, body excerpt (4 KB), truncated; masked' })
  response: Record<string, unknown> | null;
  @ApiProperty({ ...JSON_OBJECT_OR_NULL, description: '{ code, message } when the attempt failed' })
  error: Record<string, unknown> | null;
}

export class TaskRunDependencyResponse {
  @ApiProperty() task_tag: string;
  @ApiProperty({ enum: TASK_RUN_STATUSES }) status: TaskRunStatus;
  @ApiProperty({ ...JSON_OBJECT_OR_NULL }) outputs: Record<string, unknown> | null;
  @ApiProperty({ type: 'integer' }) records_processed: number;
  @ApiProperty({ type: 'integer', nullable: true }) response_status: number | null;
  @ApiProperty({ type: [TaskRunAttemptResponse] }) attempts: TaskRunAttemptResponse[];
  @ApiProperty({ type: TaskRunErrorResponse, nullable: true }) error: TaskRunErrorResponse | null;
  @ApiProperty({ type: 'integer' }) duration_ms: number;
}

export class TaskRunResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid', description: 'The instance (UUID)' }) instance_uuid: string;
  @ApiProperty({ type: 'integer', description: 'The instance’s sequence number (the seed’s instance_id)' })
  instance_id: number;
  @ApiProperty({ format: 'uuid' }) integration_uuid: string;
  @ApiProperty({ format: 'uuid' }) task_uuid: string;
  @ApiProperty({ type: 'integer' }) task_id: number;
  @ApiProperty() task_tag: string;
  @ApiProperty({ enum: TASK_RUN_SOURCES }) source: TaskRunSource;
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) chain_run_id: string | null;
  @ApiProperty({ enum: TASK_RUN_STATUSES }) status: TaskRunStatus;
  @ApiProperty({ ...JSON_OBJECT, description: 'The input; secret fields as { "set": true }' })
  input: Record<string, unknown>;
  @ApiProperty({ ...JSON_OBJECT_OR_NULL, description: 'Output fields extracted from the response' })
  outputs: Record<string, unknown> | null;
  @ApiProperty({ type: 'integer', description: 'Elements of the array outputs' }) records_processed: number;
  @ApiProperty({ type: 'integer', nullable: true }) response_status: number | null;
  @ApiProperty({ type: TaskRunErrorResponse, nullable: true }) error: TaskRunErrorResponse | null;
  @ApiProperty({ type: [TaskRunAttemptResponse] }) attempts: TaskRunAttemptResponse[];
  @ApiProperty({ type: [TaskRunDependencyResponse], description: 'Dependencies run first, in order' })
  dependencies: TaskRunDependencyResponse[];
  @ApiProperty({ type: 'integer', description: 'Workers that took the run (more than 1 after a worker died)' })
  claims: number;
  @ApiProperty({ format: 'date-time' }) created_at: string;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) started_at: string | null;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) finished_at: string | null;
  @ApiProperty({ type: 'integer', nullable: true }) duration_ms: number | null;
  @ApiProperty({
    ...JSON_OBJECT_OR_NULL,
    description: 'queued_ms (accepted to started), http_ms (time in HTTP exchanges), attempts',
  })
  performance: Record<string, number> | null;
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) created_by: string | null;
}

export class TaskRunListResponse {
  @ApiProperty({ type: [TaskRunResponse] }) data: TaskRunResponse[];
  @ApiProperty({ type: String, nullable: true, description: 'Pass as cursor for the next page' })
  next_cursor: string | null;
}

export class InstanceTestResponse {
  @ApiProperty({ description: 'The check passed (a 2xx answer, or the task run succeeded)' }) ok: boolean;
  @ApiProperty({ format: 'date-time' }) checked_at: string;
  @ApiProperty({ type: 'integer' }) duration_ms: number;
  @ApiProperty({ type: 'integer', nullable: true }) status_code: number | null;
  @ApiProperty({ ...JSON_OBJECT_OR_NULL, description: '{ code, message } when it failed, credentials masked' })
  error: { code: string; message: string } | null;
  @ApiProperty({ format: 'uuid', nullable: true, type: String, description: 'The task run of a check by task_tag' })
  run_id: string | null;
  @ApiProperty({ enum: ['unknown', 'healthy', 'unhealthy'] }) health_status: string;
  @ApiProperty({ type: 'integer' }) consecutive_failures: number;
  @ApiProperty({ description: 'The instance’s status after the check (error while unhealthy)' })
  instance_status: string;
}
