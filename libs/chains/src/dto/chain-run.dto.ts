import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsObject, IsOptional, IsString, IsUUID, MaxLength } from 'class-validator';
import { IsPageLimit, IsTimestamp, JSON_OBJECT, JSON_VALUE, JSON_VALUE_OR_NULL, STRING_MAP } from '@conduit/platform';
import type { CompensationStatus, RunStatus, TriggerType } from '../entities/chain-run.entity';
import type { StepRunStatus } from '../entities/chain-step-run.entity';
import type { StepKind } from '../entities/chain-step.entity';

export const RUN_STATUSES: RunStatus[] = ['pending', 'running', 'completed', 'failed', 'paused', 'cancelled'];
const STEP_RUN_STATUSES: StepRunStatus[] = ['pending', 'running', 'sent', 'failed', 'skipped', 'cancelled'];

export class ExecuteChainDto {
  @ApiPropertyOptional({
    ...JSON_OBJECT,
    example: { order_id: 'ord_123', order_amount: 99.5, customer_id: 'cus_42', items: [{ sku: 'A-1', qty: 2 }] },
    description: 'What templates read as trigger_data',
  })
  @IsOptional()
  @IsObject()
  trigger_data?: Record<string, unknown>;
}

/** Filters of GET /chains/{id}/runs (the chain is in the path). */
export class ListChainRunsQueryDto {
  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 200, default: 50 })
  @IsOptional()
  @IsPageLimit()
  limit?: number;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(200) cursor?: string;
  @ApiPropertyOptional({ enum: RUN_STATUSES }) @IsOptional() @IsIn(RUN_STATUSES) status?: RunStatus;
  @ApiPropertyOptional({ example: 'order.placed' }) @IsOptional() @IsString() @MaxLength(200) trigger_event?: string;
  @ApiPropertyOptional({ example: '2026-11-22T00:00:00Z' }) @IsOptional() @IsTimestamp() since?: Date;
  @ApiPropertyOptional({ example: '2026-11-23T00:00:00Z' }) @IsOptional() @IsTimestamp() until?: Date;
}

/** Filters of GET /chains/runs (every chain of the tenant, or one). */
export class ListRunsQueryDto extends ListChainRunsQueryDto {
  @ApiPropertyOptional({ format: 'uuid' }) @IsOptional() @IsUUID() chain_id?: string;
}

export class StepRunResponse {
  @ApiProperty({ format: 'uuid', description: 'Also the webhook-id header the receiver sees on every attempt' })
  id: string;
  @ApiProperty({ format: 'uuid' }) step_id: string;
  @ApiProperty({ enum: ['step', 'compensation'] }) kind: StepKind;
  @ApiProperty() step_order: number;
  @ApiProperty() name: string;
  @ApiProperty({ enum: STEP_RUN_STATUSES }) status: StepRunStatus;
  @ApiProperty({
    ...JSON_VALUE_OR_NULL,
    description:
      "The body sent, credentials replaced by [REDACTED]; for a task step, the task run's input (secret input fields as { set: true })",
    example: { amount: 99.5, api_key: '[REDACTED]' },
  })
  request_payload: unknown;
  @ApiProperty({
    ...STRING_MAP,
    nullable: true,
    description: 'Headers sent; credentials and subscription headers as [REDACTED]',
  })
  request_headers: Record<string, string> | null;
  @ApiProperty({
    nullable: true,
    type: Number,
    description: "The HTTP status answered; for a task step, the task run's response_status",
  })
  response_code: number | null;
  @ApiProperty({ nullable: true, type: String }) response_body: string | null;
  @ApiProperty({
    format: 'uuid',
    nullable: true,
    type: String,
    description:
      "Task steps: the task run of the latest attempt (GET /api/v1/task-runs/{id}); its outputs are the step's response. Null for webhook steps",
  })
  task_run_id: string | null;
  @ApiProperty() attempt_count: number;
  @ApiProperty({ nullable: true, type: Number }) duration_ms: number | null;
  @ApiProperty({ nullable: true, type: String }) last_error: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'When a pending step is due' }) next_attempt_at:
    string | null;
  @ApiProperty({ nullable: true, type: String }) started_at: string | null;
  @ApiProperty({ nullable: true, type: String }) completed_at: string | null;
}

export class ChainRunResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) chain_id: string;
  @ApiProperty({ nullable: true, type: String }) chain_name: string | null;
  @ApiProperty({ enum: RUN_STATUSES }) status: RunStatus;
  @ApiProperty({ enum: ['event', 'manual'] }) trigger_type: TriggerType;
  @ApiProperty({ example: 'order.placed' }) trigger_event: string;
  @ApiProperty({ nullable: true, type: String, format: 'uuid', description: 'The event that started the run' })
  trigger_event_id: string | null;
  @ApiProperty({ ...JSON_VALUE, description: 'As the run started (an event-triggered run: the event payload)' })
  trigger_data: unknown;
  @ApiProperty({ description: 'The step being run or next to run (1-based)' }) current_step: number;
  @ApiProperty() total_steps: number;
  @ApiProperty({ nullable: true, type: Number, description: 'The step that failed the run' }) failed_step:
    number | null;
  @ApiProperty({ nullable: true, type: String, enum: ['running', 'completed', 'failed'] })
  compensation_status: CompensationStatus | null;
  @ApiProperty({ nullable: true, type: String }) last_error: string | null;
  @ApiProperty({ nullable: true, type: String }) started_at: string | null;
  @ApiProperty({ nullable: true, type: String }) completed_at: string | null;
  @ApiProperty({ nullable: true, type: Number }) duration_ms: number | null;
  @ApiProperty() created_at: string;
  @ApiProperty() updated_at: string;
}

export class ChainRunDetailResponse extends ChainRunResponse {
  @ApiProperty({ type: [StepRunResponse] }) step_runs: StepRunResponse[];
}

export class ExecutedRunResponse extends ChainRunResponse {
  @ApiProperty({ format: 'uuid', description: 'Same as id (seed name)' }) run_id: string;
}

export class ChainRunListResponse {
  @ApiProperty({ type: [ChainRunResponse] }) data: ChainRunResponse[];
  @ApiProperty({ nullable: true, type: String }) next_cursor: string | null;
}
