import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { TenantId } from '@conduit/platform';

@Entity('webhook_events')
export class EventEntity {
  @PrimaryColumn('uuid') id: string;
  @Column('uuid', { name: 'tenant_id' }) tenant_id: TenantId;
  @Column('text', { name: 'event_name' }) event_name: string;
  @Column('text') source: string;
  @Column('jsonb') payload: unknown;
  @Column('text', { name: 'idempotency_key', nullable: true }) idempotency_key: string | null;
  @Column('int', { name: 'delivery_count' }) delivery_count: number;
  @Column('timestamptz', { name: 'created_at' }) created_at: Date;
}
