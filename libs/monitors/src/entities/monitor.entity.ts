import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { TenantId } from '@conduit/platform';

export const MONITOR_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
export type MonitorMethod = (typeof MONITOR_METHODS)[number];
export const MONITOR_STATUSES = ['unknown', 'up', 'down'] as const;
export type MonitorStatus = (typeof MONITOR_STATUSES)[number];

@Entity('monitors')
export class MonitorEntity {
  @PrimaryColumn('uuid') id: string;
  @Column('uuid', { name: 'tenant_id' }) tenant_id: TenantId;
  @Column('text') name: string;
  @Column('text') url: string;
  @Column('text') method: MonitorMethod;
  @Column('integer', { name: 'interval_seconds' }) interval_seconds: number;
  @Column('integer', { name: 'timeout_ms' }) timeout_ms: number;
  /** Codes and ranges, e.g. "200-299" or "200,204,301-302" (expected-status.ts). */
  @Column('text', { name: 'expected_status' }) expected_status: string;
  @Column('text', { name: 'body_contains', nullable: true }) body_contains: string | null;
  @Column('integer', { name: 'failure_threshold' }) failure_threshold: number;
  @Column('boolean') enabled: boolean;
  @Column('text') status: MonitorStatus;
  @Column('integer', { name: 'consecutive_failures' }) consecutive_failures: number;
  @Column('timestamptz', { name: 'last_checked_at', nullable: true }) last_checked_at: Date | null;
  @Column('integer', { name: 'last_latency_ms', nullable: true }) last_latency_ms: number | null;
  @Column('timestamptz', { name: 'last_slot', nullable: true }) last_slot: Date | null;
  @Column('timestamptz', { name: 'next_check_at' }) next_check_at: Date;
  @Column('uuid', { name: 'created_by', nullable: true }) created_by: string | null;
  @Column('timestamptz', { name: 'created_at' }) created_at: Date;
  @Column('timestamptz', { name: 'updated_at' }) updated_at: Date;
}
