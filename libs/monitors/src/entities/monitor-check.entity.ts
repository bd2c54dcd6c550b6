import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { TenantId } from '@conduit/platform';

export type MonitorCheckStatus = 'ok' | 'failed';

/** One check of a monitor: the slot it was scheduled for (unique per monitor) and what came back. */
@Entity('monitor_checks')
export class MonitorCheckEntity {
  @PrimaryColumn('uuid') id: string;
  @Column('uuid', { name: 'tenant_id' }) tenant_id: TenantId;
  @Column('uuid', { name: 'monitor_id' }) monitor_id: string;
  @Column('timestamptz', { name: 'scheduled_for' }) scheduled_for: Date;
  @Column('timestamptz', { name: 'checked_at' }) checked_at: Date;
  @Column('text') status: MonitorCheckStatus;
  @Column('integer', { name: 'status_code', nullable: true }) status_code: number | null;
  @Column('integer', { name: 'latency_ms' }) latency_ms: number;
  @Column('text', { nullable: true }) error: string | null;
}
