import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { TenantId } from '@conduit/platform';

export type StepKind = 'step' | 'compensation';
export type OnSuccessAction = 'continue' | 'stop' | 'pause';
export type OnFailureAction = 'continue' | 'stop' | 'retry';
export type StepType = 'webhook' | 'task';

/** One step of one steps_version of a chain. Never updated: an edit writes a new steps_version. */
@Entity('execution_chain_steps')
export class ChainStepEntity {
  @PrimaryColumn('uuid') id: string;
  @Column('uuid', { name: 'tenant_id' }) tenant_id: TenantId;
  @Column('uuid', { name: 'chain_id' }) chain_id: string;
  @Column('int', { name: 'steps_version' }) steps_version: number;
  @Column('text') kind: StepKind;
  @Column('int', { name: 'step_order' }) step_order: number;
  @Column('text', { name: 'step_type' }) step_type: StepType;
  /** Webhook steps: the subscription POSTed to. */
  @Column('uuid', { name: 'webhook_id', nullable: true }) webhook_id: string | null;
  /** Task steps: the instance, the task's tag and the templated input. */
  @Column('uuid', { name: 'instance_uuid', nullable: true }) instance_uuid: string | null;
  @Column('text', { name: 'task_tag', nullable: true }) task_tag: string | null;
  @Column('jsonb', { name: 'task_input', nullable: true }) task_input: Record<string, unknown> | null;
  @Column('text') name: string;
  @Column('text', { nullable: true }) description: string | null;
  @Column('jsonb', { name: 'request_params', nullable: true }) request_params: Record<string, unknown> | null;
  @Column('jsonb', { nullable: true }) headers: Record<string, string> | null;
  @Column('text', { nullable: true }) condition: string | null;
  @Column('text', { nullable: true }) compensates: string | null;
  @Column('text', { name: 'on_success_action' }) on_success_action: OnSuccessAction;
  @Column('text', { name: 'on_failure_action' }) on_failure_action: OnFailureAction;
  @Column('int', { name: 'max_retries' }) max_retries: number;
  @Column('int', { name: 'retry_backoff_seconds' }) retry_backoff_seconds: number;
  @Column('int', { name: 'delay_seconds' }) delay_seconds: number;
  @Column('timestamptz', { name: 'created_at' }) created_at: Date;
}
