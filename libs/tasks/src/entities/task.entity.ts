import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { TenantId } from '@conduit/platform';
import type { FieldDefinition } from '@conduit/integrations';
import type { TaskErrorHandling, TaskOutputField, TaskRequest, TaskStatus } from '../definition';

@Entity('tasks')
export class TaskEntity {
  @PrimaryColumn('uuid') id: string;
  @Column('uuid', { name: 'tenant_id' }) tenant_id: TenantId;
  /** The integration's UUID (integrations.id). */
  @Column('uuid', { name: 'integration_uuid' }) integration_uuid: string;
  /** The integration's sequence number (the seed's integration_id), kept beside the UUID for the seed's paths. */
  @Column('integer', { name: 'integration_id' }) integration_id: number;
  /** The tenant's sequence number (catalogue_counters, kind task): the seed's integer task id. */
  @Column('integer', { name: 'task_id' }) task_id: number;
  @Column('text') name: string;
  @Column('text', { name: 'task_tag' }) task_tag: string;
  @Column('text') description: string;
  @Column('jsonb', { name: 'input_fields' }) input_fields: FieldDefinition[];
  @Column('jsonb', { name: 'output_fields' }) output_fields: TaskOutputField[];
  @Column('text', { name: 'depends_on', array: true }) depends_on: string[];
  @Column('jsonb') request: TaskRequest;
  @Column('integer', { name: 'execution_order' }) execution_order: number;
  @Column('jsonb', { name: 'error_handling' }) error_handling: TaskErrorHandling;
  @Column('boolean', { name: 'ingest_cases' }) ingest_cases: boolean;
  @Column('jsonb', { name: 'case_ingestion_config', nullable: true })
  case_ingestion_config: Record<string, unknown> | null;
  @Column('text') status: TaskStatus;
  @Column('uuid', { name: 'created_by', nullable: true }) created_by: string | null;
  @Column('timestamptz', { name: 'created_at' }) created_at: Date;
  @Column('timestamptz', { name: 'updated_at' }) updated_at: Date;
  @Column('timestamptz', { name: 'deleted_at', nullable: true }) deleted_at: Date | null;
}
