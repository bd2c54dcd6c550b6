// The task definition as clients send it and as responses show it. The shapes are checked by
// verifyTaskDefinition() (every problem reported with its field and code), not here: these classes only admit the
// keys and document them.
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Allow, IsIn, IsOptional } from 'class-validator';
import { FIELD_TYPES } from '@conduit/integrations';
import { JSON_OBJECT, JSON_VALUE } from '@conduit/platform';
import { ListQueryDto } from '@conduit/tenants';
import { BACKOFF_KINDS, HTTP_METHODS, OUTPUT_FIELD_TYPES, TASK_LIMITS, TASK_STATUSES } from '../definition';

/** One input field: the integrations' field model (the same as an integration's configuration fields). */
export class TaskInputFieldDto {
  @ApiProperty({
    description: 'Identifier, unique in the list',
    example: 'alert_id',
    pattern: '^[A-Za-z_][A-Za-z0-9_]{0,63}$',
  })
  name: string;
  @ApiPropertyOptional({ description: 'Shown to users; the name when absent', example: 'Alert id' }) label?: string;
  @ApiProperty({ enum: FIELD_TYPES, example: 'text' }) type: string;
  @ApiPropertyOptional({ default: false }) required?: boolean;
  @ApiPropertyOptional({ ...JSON_VALUE, description: 'Default value, valid for the field' }) default?: unknown;
  @ApiPropertyOptional({ type: [String], description: 'select and multiselect: the allowed values' })
  options?: string[];
  @ApiPropertyOptional() description?: string;
  @ApiPropertyOptional({
    ...JSON_OBJECT,
    description: 'min, max (number), pattern, min_length, max_length (text-like, multiselect)',
  })
  validation?: Record<string, unknown>;
}

export class TaskOutputFieldDto {
  @ApiProperty({ description: 'Identifier (letters, digits, _), unique in the task', example: 'alerts' }) name: string;
  @ApiProperty({ description: 'JSONPath into the response body, from $', example: '$.data.alerts[*]' }) path: string;
  @ApiProperty({ enum: OUTPUT_FIELD_TYPES, example: 'object' }) type: string;
  @ApiPropertyOptional({
    default: false,
    description: 'A list of values: the path can match several (*, .., slices, unions, filters) or type is array',
  })
  is_array?: boolean;
}

export class TaskRequestDto {
  @ApiProperty({ enum: HTTP_METHODS, example: 'GET' }) method: string;
  @ApiProperty({
    description:
      "Path under the instance's base URL; {{input.x}}, {{instance.x}}, {{credentials.x}} references allowed",
    example: '/api/alerts/{{input.alert_id}}',
    maxLength: TASK_LIMITS.pathLength,
  })
  path: string;
  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { type: 'string' },
    description: 'Query parameters (values may hold references)',
    example: { limit: '{{input.limit}}' },
  })
  query?: Record<string, string>;
  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { type: 'string' },
    description: 'Headers (values may hold references; hop-by-hop and Host headers are refused)',
    example: { Authorization: 'Bearer {{credentials.token}}' },
  })
  headers?: Record<string, string>;
  @ApiPropertyOptional({ ...JSON_VALUE, description: 'Any JSON; strings inside may hold references' })
  body?: unknown;
}

export class TaskErrorHandlingDto {
  @ApiPropertyOptional({ minimum: 0, maximum: TASK_LIMITS.retries, default: 0 }) retries?: number;
  @ApiPropertyOptional({ enum: BACKOFF_KINDS, default: 'none' }) backoff?: string;
  @ApiPropertyOptional({ minimum: 0, maximum: TASK_LIMITS.backoffMs, default: 0, description: 'Milliseconds' })
  backoff_ms?: number;
  @ApiPropertyOptional({
    minimum: TASK_LIMITS.timeoutMsMin,
    maximum: TASK_LIMITS.timeoutMsMax,
    default: 30000,
    description: 'Milliseconds',
  })
  timeout_ms?: number;
}

/** Every key of a task definition; on create name, task_tag and request are required (checked with the rest). */
export class TaskDefinitionBody {
  @ApiPropertyOptional({
    type: String,
    description: 'Required on create',
    example: 'Get alert',
    maxLength: TASK_LIMITS.nameLength,
  })
  @Allow()
  name?: unknown;

  @ApiPropertyOptional({
    type: String,
    description: 'Required on create: a lowercase identifier, unique among the integration’s tasks not deleted',
    example: 'get_alert',
    pattern: '^[a-z][a-z0-9_]*$',
    maxLength: TASK_LIMITS.tagLength,
  })
  @Allow()
  task_tag?: unknown;

  @ApiPropertyOptional({ type: String, maxLength: TASK_LIMITS.descriptionLength, default: '' })
  @Allow()
  description?: unknown;

  @ApiPropertyOptional({
    type: [TaskInputFieldDto],
    description: 'Input field definitions (the integrations’ field model); a bad one is 400 invalid_field_definition',
  })
  @Allow()
  input_fields?: unknown;

  @ApiPropertyOptional({ type: [TaskOutputFieldDto], maxItems: TASK_LIMITS.outputFields })
  @Allow()
  output_fields?: unknown;

  @ApiPropertyOptional({
    type: [String],
    description:
      'Tags of other tasks of the same integration this one needs first; a cycle is 400 task_dependency_cycle',
    example: ['login'],
  })
  @Allow()
  depends_on?: unknown;

  @ApiPropertyOptional({ type: TaskRequestDto, description: 'Required on create: the HTTP call the task makes' })
  @Allow()
  request?: unknown;

  @ApiPropertyOptional({
    type: 'integer',
    minimum: 0,
    maximum: TASK_LIMITS.executionOrder,
    default: 0,
    description: 'Order among the integration’s tasks when run in sequence',
  })
  @Allow()
  execution_order?: unknown;

  @ApiPropertyOptional({ type: TaskErrorHandlingDto })
  @Allow()
  error_handling?: unknown;

  @ApiPropertyOptional({
    type: Boolean,
    default: false,
    description: 'The task’s results are ingested as cases (cases issue)',
  })
  @Allow()
  ingest_cases?: unknown;

  @ApiPropertyOptional({ ...JSON_OBJECT, nullable: true, description: 'How results become cases (cases issue)' })
  @Allow()
  case_ingestion_config?: unknown;

  @ApiPropertyOptional({ type: String, enum: ['active', 'inactive', 'draft'], default: 'active' })
  @Allow()
  status?: unknown;
}

export class ListTasksQueryDto extends ListQueryDto {
  @ApiPropertyOptional({ enum: TASK_STATUSES, description: 'deleted: the integration’s deleted tasks' })
  @IsOptional()
  @IsIn(TASK_STATUSES)
  status?: (typeof TASK_STATUSES)[number];
}

export class TaskResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) tenant_id: string;
  @ApiProperty({ format: 'uuid', description: 'The integration’s id' }) integration_uuid: string;
  @ApiProperty({ description: 'The integration’s integration_id (the seed’s integer)', example: 3 })
  integration_id: number;
  @ApiProperty({ description: 'The tenant’s sequence number of tasks (the seed’s integer task id)', example: 12 })
  task_id: number;
  @ApiProperty({ example: 'Get alert' }) name: string;
  @ApiProperty({ example: 'get_alert' }) task_tag: string;
  @ApiProperty() description: string;
  @ApiProperty({
    description: 'The integration’s logo (GET; a new logo of the integration shows here at once)',
    example: '/api/v1/integrations/0190.../logo',
  })
  logo_url: string;
  @ApiProperty({ type: [TaskInputFieldDto] }) input_fields: unknown[];
  @ApiProperty({ type: [TaskOutputFieldDto] }) output_fields: unknown[];
  @ApiProperty({ type: [String] }) depends_on: string[];
  @ApiProperty({ type: TaskRequestDto }) request: unknown;
  @ApiProperty() execution_order: number;
  @ApiProperty({ type: TaskErrorHandlingDto }) error_handling: unknown;
  @ApiProperty() ingest_cases: boolean;
  @ApiProperty({ ...JSON_OBJECT, nullable: true }) case_ingestion_config: Record<string, unknown> | null;
  @ApiProperty({ enum: TASK_STATUSES }) status: string;
  @ApiProperty({
    nullable: true,
    type: String,
    format: 'uuid',
    description: 'The tenant above whose shared integration this task belongs to; null for the tenant’s own',
  })
  shared_from: string | null;
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) created_by: string | null;
  @ApiProperty({ format: 'date-time' }) created_at: string;
  @ApiProperty({ format: 'date-time' }) updated_at: string;
}

export class TaskListResponse {
  @ApiProperty({ type: [TaskResponse] }) data: TaskResponse[];
  @ApiProperty({ nullable: true, type: String }) next_cursor: string | null;
}

export class TaskVerificationErrorDto {
  @ApiProperty({ example: 'request.path' }) field: string;
  @ApiProperty({ example: 'unknown_reference' }) code: string;
  @ApiProperty() message: string;
}

export class TaskVerificationResponse {
  @ApiProperty() valid: boolean;
  @ApiProperty({ type: [TaskVerificationErrorDto] }) errors: TaskVerificationErrorDto[];
}
