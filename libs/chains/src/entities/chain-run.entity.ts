import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { TenantId } from '@conduit/platform';

export type RunStatus = 'pending' | 'running' | 'completed' | 'failed' | 'paused' | 'cancelled';
export type TriggerType = 'event' | 'manual';
export type CompensationStatus = 'running' | 'completed' | 'failed';

@Entity('execution_chain_runs')
export class ChainRunEntity {
  @PrimaryColumn('uuid') id: string;
  @Column('uuid', { name: 'tenant_id' }) tenant_id: TenantId;
  @Column('uuid', { name: 'chain_id' }) chain_id: string;
  @Column('int', { name: 'steps_version' }) steps_version: number;
  @Column('text') status: RunStatus;
  @Column('text', { name: 'trigger_type' }) trigger_type: TriggerType;
  @Column('text', { name: 'trigger_event' }) trigger_event: string;
  @Column('uuid', { name: 'trigger_event_id', nullable: true }) trigger_event_id: string | null;
  @Column('jsonb', { name: 'trigger_data' }) trigger_data: unknown;
  @Column('int', { name: 'current_step' }) current_step: number;
  @Column('int', { name: 'total_steps' }) total_steps: number;
  @Column('int', { name: 'failed_step', nullable: true }) failed_step: number | null;
  @Column('text', { name: 'compensation_status', nullable: true }) compensation_status: CompensationStatus | null;
  @Column('int', { name: 'compensation_plan', array: true }) compensation_plan: number[];
  @Column('text', { name: 'last_error', nullable: true }) last_error: string | null;
  @Column('text', { name: 'created_by', nullable: true }) created_by: string | null;
  @Column('timestamptz', { name: 'started_at', nullable: true }) started_at: Date | null;
  @Column('timestamptz', { name: 'completed_at', nullable: true }) completed_at: Date | null;
  @Column('timestamptz', { name: 'created_at' }) created_at: Date;
  @Column('timestamptz', { name: 'updated_at' }) updated_at: Date;
}
