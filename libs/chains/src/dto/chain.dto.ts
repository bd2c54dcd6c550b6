import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  Length,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { IsName, IsOptionalButNotNull, IsPageLimit, JSON_OBJECT, STRING_MAP } from '@conduit/platform';
import type { OnFailureAction, OnSuccessAction, StepType } from '../entities/chain-step.entity';

export const ON_SUCCESS: OnSuccessAction[] = ['continue', 'stop', 'pause'];
export const ON_FAILURE: OnFailureAction[] = ['continue', 'stop', 'retry'];
export const STEP_TYPES: StepType[] = ['webhook', 'task'];
export const MAX_STEPS = 50;
/** PostgreSQL int. */
export const MAX_INT = 2_147_483_647;

export class ChainStepDto {
  @ApiPropertyOptional({
    enum: STEP_TYPES,
    default: 'webhook',
    description:
      'webhook: POST request_params to a subscription (webhook_id); task: run a task of an integration instance ' +
      '(instance_id, task_tag, input) with the task executor, its outputs readable by later steps as step_N.outputs',
  })
  @IsOptionalButNotNull()
  @IsIn(STEP_TYPES)
  type?: StepType;

  @ApiPropertyOptional({
    example: '0196b8a0-7c1e-7d3a-9f00-3c2e51a1b001',
    description:
      'Webhook steps (required): a subscription of your tenant; the step POSTs to its target_url, signed with its secret. Not allowed on task steps',
  })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  webhook_id?: string;

  @ApiPropertyOptional({
    format: 'uuid',
    example: '0196b8a0-7c1e-7d3a-9f00-3c2e51a1c001',
    description:
      'Task steps (required): an integration instance of your tenant (its id); the task runs with its settings and credentials',
  })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  instance_id?: string;

  @ApiPropertyOptional({
    example: 'enrich_ip',
    description: "Task steps (required): the tag of a task of the instance's integration",
  })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  task_tag?: string;

  @ApiPropertyOptional({
    ...JSON_OBJECT,
    example: { ip: '{{trigger_data.source_ip}}' },
    description:
      'Task steps: the task\'s input. Strings may hold {{ CEL }} templates like request_params (trigger_data, step_N / steps["name"], run, now); ' +
      "{{credentials.<name>}} is refused (the instance holds its own credentials). The rendered input is checked against the task's input schema when the step runs",
  })
  @IsOptional()
  @IsObject()
  input?: Record<string, unknown>;

  @ApiProperty({
    example: 'Process Payment',
    description: 'Trimmed; not empty; unique within the chain; later steps read it as steps["<name>"]',
  })
  @IsName()
  name: string;

  @ApiPropertyOptional({ example: 'Charge the card' }) @IsOptional() @IsString() @MaxLength(1000) description?: string;

  @ApiPropertyOptional({
    type: 'integer',
    minimum: 1,
    maximum: MAX_STEPS,
    example: 1,
    description: 'Position, from 1; when given on every step they must be 1..n (steps are sorted by it)',
  })
  @IsOptionalButNotNull()
  @IsInt()
  @Min(1)
  @Max(MAX_STEPS)
  step_order?: number;

  @ApiPropertyOptional({
    ...JSON_OBJECT,
    example: {
      amount: '{{.trigger_data.order_amount}}',
      customer_id: '{{trigger_data.customer_id}}',
      payment_id: '{{step_1.response.payment_id}}',
    },
    description:
      'Webhook steps: the JSON body sent. Strings may hold {{ CEL }} templates over trigger_data, step_N / steps["name"] (status, response_code, response, outputs), ' +
      'run.id and now. A value that is exactly one template keeps its JSON type. {{credentials.<name>}} inserts a credential; it can only be used ' +
      'on its own (alone or inside a longer string), never inside an expression.',
  })
  @IsOptional()
  @IsObject()
  request_params?: Record<string, unknown>;

  @ApiPropertyOptional({
    ...STRING_MAP,
    example: { Authorization: 'Bearer {{credentials.payments_api_key}}' },
    description:
      'Webhook steps: extra request headers (at most 20): names of letters, digits and -, values of printable ASCII or tab up to 4000 characters; values may hold templates. ' +
      'Not content-type, content-length, content-encoding, host, user-agent, webhook-*, x-loki-*, x-conduit-*, proxy-* or hop-by-hop headers',
  })
  @IsOptional()
  @IsObject()
  headers?: Record<string, string>;

  @ApiPropertyOptional({
    example: 'step_1.outputs.verdict == "malicious"',
    description: 'CEL, true or false; when false the step is skipped and the run goes on. Cannot read credentials',
  })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  condition?: string;

  @ApiPropertyOptional({
    enum: ON_SUCCESS,
    default: 'continue',
    description: 'stop completes the run early; pause waits for POST .../resume',
  })
  @IsOptionalButNotNull()
  @IsIn(ON_SUCCESS)
  on_success_action?: OnSuccessAction;

  @ApiPropertyOptional({
    enum: ON_FAILURE,
    description:
      'retry: up to max_retries more attempts with exponential backoff, then the run fails; continue: go on; stop: fail the run. ' +
      'Default: retry when max_retries is given, else stop',
  })
  @IsOptionalButNotNull()
  @IsIn(ON_FAILURE)
  on_failure_action?: OnFailureAction;

  @ApiPropertyOptional({ type: 'integer', example: 3, default: 3, minimum: 0, maximum: 10 })
  @IsOptionalButNotNull()
  @IsInt()
  @Min(0)
  @Max(10)
  max_retries?: number;

  @ApiPropertyOptional({
    type: 'integer',
    minimum: 0,
    maximum: 3600,
    example: 1,
    default: 1,
    description: 'Retry n waits retry_backoff_seconds × 2^(n-1), at most an hour',
  })
  @IsOptionalButNotNull()
  @IsInt()
  @Min(0)
  @Max(3600)
  retry_backoff_seconds?: number;

  @ApiPropertyOptional({
    type: 'integer',
    minimum: 0,
    maximum: 7 * 86400,
    example: 0,
    default: 0,
    description: 'Wait this long before the step runs (a delayed job, not a sleeping worker)',
  })
  @IsOptionalButNotNull()
  @IsInt()
  @Min(0)
  @Max(7 * 86400)
  delay_seconds?: number;
}

export class CompensationStepDto extends ChainStepDto {
  @ApiPropertyOptional({
    example: 'Reserve Inventory',
    description:
      'Trimmed; not empty; runs only if this step succeeded; without it, it runs on every compensated failure',
  })
  @IsOptional()
  @IsName()
  compensates?: string;
}

class ChainFieldsDto {
  @ApiPropertyOptional({ example: 'Payment, inventory, shipping and email for every order' })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  description?: string;
  @ApiPropertyOptional({ default: true }) @IsOptionalButNotNull() @IsBoolean() is_active?: boolean;

  @ApiPropertyOptional({
    type: [CompensationStepDto],
    description: 'Run in reverse order when a run fails after some steps succeeded (saga); [] for none',
  })
  @IsOptionalButNotNull()
  @IsArray()
  @ArrayMaxSize(MAX_STEPS)
  // ValidateNested recurses into an array inside the array ([[]] would pass with nothing checked): items must be
  // objects.
  @IsObject({ each: true })
  @ValidateNested({ each: true })
  @Type(() => CompensationStepDto)
  compensation_steps?: CompensationStepDto[];
}

export class CreateChainDto extends ChainFieldsDto {
  @ApiPropertyOptional({ description: 'Seed compatibility: your tenant (id or code) or one you administer' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  tenant_id?: string;

  @ApiProperty({ example: 'Complete Order Processing', description: 'Trimmed; not empty' }) @IsName() name: string;
  @ApiProperty({ example: 'order.placed', description: 'Event type that starts a run: exact, prefix.* or *' })
  @IsString()
  @Length(1, 200)
  trigger_event: string;

  @ApiProperty({ type: [ChainStepDto] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_STEPS)
  // ValidateNested recurses into an array inside the array ([[]] would pass with nothing checked): items must be
  // objects.
  @IsObject({ each: true })
  @ValidateNested({ each: true })
  @Type(() => ChainStepDto)
  steps: ChainStepDto[];
}

export class UpdateChainDto extends ChainFieldsDto {
  @ApiProperty({
    type: 'integer',
    minimum: 1,
    maximum: MAX_INT,
    example: 1,
    description: 'The version you read; a stale one is refused with 409 chain_version_conflict',
  })
  @IsInt()
  @Min(1)
  @Max(MAX_INT)
  version: number;

  @ApiPropertyOptional({ description: 'Trimmed; not empty' }) @IsOptionalButNotNull() @IsName() name?: string;
  @ApiPropertyOptional({ example: 'order.*' })
  @IsOptionalButNotNull()
  @IsString()
  @Length(1, 200)
  trigger_event?: string;

  @ApiPropertyOptional({
    type: [ChainStepDto],
    description: 'Replaces every step (runs already started keep the steps they started with)',
  })
  @IsOptionalButNotNull()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_STEPS)
  // ValidateNested recurses into an array inside the array ([[]] would pass with nothing checked): items must be
  // objects.
  @IsObject({ each: true })
  @ValidateNested({ each: true })
  @Type(() => ChainStepDto)
  steps?: ChainStepDto[];
}

export class ListChainsQueryDto {
  @ApiPropertyOptional({ minimum: 1, maximum: 200, default: 50 }) @IsOptional() @IsPageLimit() limit?: number;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(200) cursor?: string;
  @ApiPropertyOptional({ example: 'order.placed', description: 'Chains an event of this type would start' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  trigger_event?: string;
  @ApiPropertyOptional() @IsOptional() @IsIn(['true', 'false']) is_active?: 'true' | 'false';
  @ApiPropertyOptional({ example: 'order', description: 'Name contains (case-insensitive)' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  name?: string;
  @ApiPropertyOptional({ description: 'Seed compatibility: must be your tenant or one you administer' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  tenant_id?: string;
}

export class ChainStepResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ type: 'integer' }) step_order: number;
  @ApiProperty({ enum: STEP_TYPES }) type: StepType;
  @ApiProperty({ format: 'uuid', nullable: true, type: String, description: 'Webhook steps; null for task steps' })
  webhook_id: string | null;
  @ApiProperty({ format: 'uuid', nullable: true, type: String, description: 'Task steps: the instance; else null' })
  instance_id: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'Task steps: the task tag; else null' })
  task_tag: string | null;
  @ApiProperty({ ...JSON_OBJECT, nullable: true, description: 'Task steps: the templated input; else null' })
  input: Record<string, unknown> | null;
  @ApiProperty() name: string;
  @ApiProperty({ nullable: true, type: String }) description: string | null;
  @ApiProperty({ ...JSON_OBJECT, nullable: true }) request_params: Record<string, unknown> | null;
  @ApiProperty({ ...STRING_MAP, nullable: true }) headers: Record<string, string> | null;
  @ApiProperty({ nullable: true, type: String }) condition: string | null;
  @ApiProperty({ enum: ON_SUCCESS }) on_success_action: OnSuccessAction;
  @ApiProperty({ enum: ON_FAILURE }) on_failure_action: OnFailureAction;
  @ApiProperty({ type: 'integer' }) max_retries: number;
  @ApiProperty({ type: 'integer' }) retry_backoff_seconds: number;
  @ApiProperty({ type: 'integer' }) delay_seconds: number;
}

export class CompensationStepResponse extends ChainStepResponse {
  @ApiProperty({ nullable: true, type: String }) compensates: string | null;
}

export class ChainResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) tenant_id: string;
  @ApiProperty() name: string;
  @ApiProperty({ nullable: true, type: String }) description: string | null;
  @ApiProperty({ example: 'order.placed' }) trigger_event: string;
  @ApiProperty() is_active: boolean;
  @ApiProperty({ type: 'integer', example: 1, description: 'Send it back with an update' }) version: number;
  @ApiProperty({ type: [ChainStepResponse] }) steps: ChainStepResponse[];
  @ApiProperty({ type: [CompensationStepResponse] }) compensation_steps: CompensationStepResponse[];
  @ApiProperty() created_at: string;
  @ApiProperty() updated_at: string;
}

export class ChainListResponse {
  @ApiProperty({ type: [ChainResponse] }) data: ChainResponse[];
  @ApiProperty({ nullable: true, type: String }) next_cursor: string | null;
}
