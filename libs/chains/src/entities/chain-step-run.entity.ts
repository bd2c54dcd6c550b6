import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { TenantId } from '@conduit/platform';
import type { StepKind } from './chain-step.entity';

export type StepRunStatus = 'pending' | 'running' | 'sent' | 'failed' | 'skipped' | 'cancelled';

/** One step of one run. Its id is the `webhook-id` the step's receiver sees on every attempt. */
@Entity('execution_chain_step_runs')
export class ChainStepRunEntity {
  @PrimaryColumn('uuid') id: string;
  @Column('uuid', { name: 'tenant_id' }) tenant_id: TenantId;
  @Column('uuid', { name: 'run_id' }) run_id: string;
  @Column('uuid', { name: 'step_id' }) step_id: string;
  @Column('text') kind: StepKind;
  @Column('int', { name: 'step_order' }) step_order: number;
  @Column('text') name: string;
  @Column('text') status: StepRunStatus;
  /** As sent, with credentials replaced by [REDACTED]. */
  @Column('jsonb', { name: 'request_payload', nullable: true }) request_payload: unknown;
  @Column('jsonb', { name: 'request_headers', nullable: true }) request_headers: Record<string, string> | null;
  @Column('int', { name: 'response_code', nullable: true }) response_code: number | null;
  @Column('text', { name: 'response_body', nullable: true }) response_body: string | null;
  /** The response body parsed as JSON (else its text), as later steps' templates see it. */
  @Column('jsonb', { nullable: true }) response: unknown;
  /** Task steps: the task run of the latest attempt. */
  @Column('uuid', { name: 'task_run_id', nullable: true }) task_run_id: string | null;
  @Column('int', { name: 'attempt_count' }) attempt_count: number;
  @Column('int', { name: 'attempt_base' }) attempt_base: number;
  @Column('int', { name: 'duration_ms', nullable: true }) duration_ms: number | null;
  @Column('text', { name: 'last_error', nullable: true }) last_error: string | null;
  @Column('timestamptz', { name: 'next_attempt_at', nullable: true }) next_attempt_at: Date | null;
  @Column('timestamptz', { name: 'lease_expires_at', nullable: true }) lease_expires_at: Date | null;
  @Column('timestamptz', { name: 'started_at', nullable: true }) started_at: Date | null;
  @Column('timestamptz', { name: 'completed_at', nullable: true }) completed_at: Date | null;
  @Column('timestamptz', { name: 'created_at' }) created_at: Date;
  @Column('timestamptz', { name: 'updated_at' }) updated_at: Date;
}
