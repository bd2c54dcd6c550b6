import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { TenantId } from '@conduit/platform';

export type DeliveryStatus = 'pending' | 'delivering' | 'delivered' | 'failed' | 'cancelled';

/** One event for one subscription. Its id is the stable `webhook-id` receivers deduplicate on. */
@Entity('webhook_deliveries')
export class DeliveryEntity {
  @PrimaryColumn('uuid') id: string;
  @Column('uuid', { name: 'tenant_id' }) tenant_id: TenantId;
  @Column('uuid', { name: 'event_id' }) event_id: string;
  @Column('uuid', { name: 'subscription_id' }) subscription_id: string;
  @Column('text') status: DeliveryStatus;
  @Column('int', { name: 'attempt_count' }) attempt_count: number;
  @Column('timestamptz', { name: 'next_attempt_at', nullable: true }) next_attempt_at: Date | null;
  @Column('timestamptz', { name: 'lease_expires_at', nullable: true }) lease_expires_at: Date | null;
  @Column('int', { name: 'last_status_code', nullable: true }) last_status_code: number | null;
  @Column('text', { name: 'last_error_class', nullable: true }) last_error_class: string | null;
  @Column('text', { name: 'last_error', nullable: true }) last_error: string | null;
  @Column('timestamptz', { name: 'delivered_at', nullable: true }) delivered_at: Date | null;
  @Column('timestamptz', { name: 'created_at' }) created_at: Date;
  @Column('timestamptz', { name: 'updated_at' }) updated_at: Date;
}
