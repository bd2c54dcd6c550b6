import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { TenantId } from '@conduit/platform';

export type InboundStatus = 'accepted' | 'routed' | 'filtered' | 'failed';

/** One accepted request, exactly as received. */
@Entity('inbound_events')
export class InboundEventEntity {
  @PrimaryColumn('uuid') id: string;
  @Column('uuid', { name: 'tenant_id' }) tenant_id: TenantId;
  @Column('uuid', { name: 'source_id' }) source_id: string;
  @Column('text') provider: string;
  @Column('text', { name: 'delivery_id', nullable: true }) delivery_id: string | null;
  @Column('text', { name: 'event_type', nullable: true }) event_type: string | null;
  @Column('text', { name: 'content_type', nullable: true }) content_type: string | null;
  @Column('bytea', { name: 'raw_body' }) raw_body: Buffer;
  @Column('jsonb') headers: Record<string, string>;
  @Column('text', { name: 'source_ip', nullable: true }) source_ip: string | null;
  @Column('int', { name: 'payload_size' }) payload_size: number;
  @Column('text') status: InboundStatus;
  @Column('int', { name: 'routing_attempts' }) routing_attempts: number;
  @Column('text', { name: 'routing_error', nullable: true }) routing_error: string | null;
  @Column('uuid', { name: 'routed_event_id', nullable: true }) routed_event_id: string | null;
  @Column('timestamptz', { name: 'received_at' }) received_at: Date;
  @Column('timestamptz', { name: 'routed_at', nullable: true }) routed_at: Date | null;
}
