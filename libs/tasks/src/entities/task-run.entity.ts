import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { TenantId } from '@conduit/platform';

export const TASK_RUN_STATUSES = ['queued', 'running', 'success', 'failure', 'timeout', 'cancelled'] as const;
export type TaskRunStatus = (typeof TASK_RUN_STATUSES)[number];
export const FINISHED_RUN_STATUSES: readonly TaskRunStatus[] = ['success', 'failure', 'timeout', 'cancelled'];

export const TASK_RUN_SOURCES = ['api', 'chain', 'health_check', 'ingestion'] as const;
export type TaskRunSource = (typeof TASK_RUN_SOURCES)[number];

/** What a run records of one task it ran (a dependency, or the task itself): outputs and attempts, masked. */
export interface RecordedCall {
  task_tag: string;
  status: TaskRunStatus;
  outputs: Record<string, unknown> | null;
  records_processed: number;
  response_status: number | null;
  attempts: Record<string, unknown>[];
  error: TaskRunError | null;
  duration_ms: number;
}

export interface TaskRunError {
  code: string;
  message: string;
  status_code?: number;
  /** The dependency whose failure failed the run. */
  dependency?: string;
}

@Entity('task_runs')
export class TaskRunEntity {
  @PrimaryColumn('uuid') id: string;
  @Column('uuid', { name: 'tenant_id' }) tenant_id: TenantId;
  @Column('uuid', { name: 'instance_uuid' }) instance_uuid: string;
  @Column('integer', { name: 'instance_id' }) instance_id: number;
  @Column('uuid', { name: 'integration_uuid' }) integration_uuid: string;
  @Column('uuid', { name: 'task_uuid' }) task_uuid: string;
  @Column('integer', { name: 'task_id' }) task_id: number;
  @Column('text', { name: 'task_tag' }) task_tag: string;
  @Column('text') source: TaskRunSource;
  @Column('uuid', { name: 'chain_run_id', nullable: true }) chain_run_id: string | null;
  @Column('uuid', { name: 'chain_step_run_id', nullable: true }) chain_step_run_id: string | null;
  /** The input without its secret fields (those show as { set: true }). */
  @Column('jsonb') input: Record<string, unknown>;
  /** The secret input fields, sealed with the tenant's data key. */
  @Column('text', { name: 'input_sealed', nullable: true }) input_sealed: string | null;
  @Column('text') status: TaskRunStatus;
  /** Claims so far: each worker that takes the run adds one (a killed worker's claim counts). */
  @Column('integer', { name: 'attempt_count' }) attempt_count: number;
  @Column('timestamptz', { name: 'lease_expires_at', nullable: true }) lease_expires_at: Date | null;
  @Column('uuid', { name: 'created_by', nullable: true }) created_by: string | null;
  @Column('timestamptz', { name: 'created_at' }) created_at: Date;
  @Column('timestamptz', { name: 'started_at', nullable: true }) started_at: Date | null;
  @Column('timestamptz', { name: 'finished_at', nullable: true }) finished_at: Date | null;
  @Column('integer', { name: 'duration_ms', nullable: true }) duration_ms: number | null;
  @Column('integer', { name: 'response_status', nullable: true }) response_status: number | null;
  /** The task's own HTTP attempts (request and response excerpts, masked). */
  @Column('jsonb') attempts: Record<string, unknown>[];
  /** The dependencies run before it, in order. */
  @Column('jsonb') dependencies: RecordedCall[];
  @Column('jsonb', { nullable: true }) outputs: Record<string, unknown> | null;
  @Column('jsonb', { nullable: true }) error: TaskRunError | null;
  @Column('integer', { name: 'records_processed' }) records_processed: number;
  /** queued_ms (created to started), run_ms, http_ms (time in HTTP exchanges), attempts. */
  @Column('jsonb', { nullable: true }) performance: Record<string, number> | null;
  @Column('timestamptz', { name: 'updated_at' }) updated_at: Date;
}
