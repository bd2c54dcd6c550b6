import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { TenantId } from '@conduit/platform';

@Entity('webhook_delivery_attempts')
export class DeliveryAttemptEntity {
  @PrimaryColumn('uuid') id: string;
  @Column('uuid', { name: 'tenant_id' }) tenant_id: TenantId;
  @Column('uuid', { name: 'delivery_id' }) delivery_id: string;
  @Column('int', { name: 'attempt_number' }) attempt_number: number;
  @Column('int', { name: 'status_code', nullable: true }) status_code: number | null;
  @Column('int', { name: 'duration_ms' }) duration_ms: number;
  @Column('text', { name: 'error_class', nullable: true }) error_class: string | null;
  @Column('text', { name: 'error_message', nullable: true }) error_message: string | null;
  @Column('jsonb', { name: 'request_headers' }) request_headers: Record<string, string>;
  @Column('jsonb', { name: 'response_headers' }) response_headers: Record<string, string>;
  @Column('text', { name: 'response_body', nullable: true }) response_body: string | null;
  @Column('boolean', { name: 'response_truncated' }) response_truncated: boolean;
  @Column('timestamptz', { name: 'created_at' }) created_at: Date;
}
