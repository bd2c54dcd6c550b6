import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { TenantId } from '@conduit/platform';

/** A chain definition. `version` guards edits (optimistic locking); steps belong to `steps_version`. */
@Entity('execution_chains')
export class ChainEntity {
  @PrimaryColumn('uuid') id: string;
  @Column('uuid', { name: 'tenant_id' }) tenant_id: TenantId;
  @Column('text') name: string;
  @Column('text', { nullable: true }) description: string | null;
  @Column('text', { name: 'trigger_event' }) trigger_event: string;
  @Column('boolean', { name: 'is_active' }) is_active: boolean;
  @Column('int') version: number;
  @Column('int', { name: 'steps_version' }) steps_version: number;
  @Column('text', { name: 'created_by', nullable: true }) created_by: string | null;
  @Column('timestamptz', { name: 'created_at' }) created_at: Date;
  @Column('timestamptz', { name: 'updated_at' }) updated_at: Date;
  @Column('timestamptz', { name: 'deleted_at', nullable: true }) deleted_at: Date | null;
}
