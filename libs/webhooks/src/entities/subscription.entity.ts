import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { TenantId } from '@conduit/platform';

export type SubscriptionType = 'public' | 'private';
export type PayloadFormat = 'envelope' | 'raw';
export type CircuitState = 'closed' | 'open' | 'half_open';

@Entity('webhook_subscriptions')
export class SubscriptionEntity {
  @PrimaryColumn('uuid') id: string;
  @Column('uuid', { name: 'tenant_id' }) tenant_id: TenantId;
  @Column('text', { name: 'app_name' }) app_name: string;
  @Column('text', { nullable: true }) description: string | null;
  @Column('text', { name: 'target_url' }) target_url: string;
  @Column('text', { name: 'event_types', array: true }) event_types: string[];
  @Column('jsonb', { nullable: true }) filter: Record<string, unknown> | null;
  @Column('text') type: SubscriptionType;
  @Column('text', { name: 'payload_format' }) payload_format: PayloadFormat;
  @Column('text', { name: 'header_names', array: true }) header_names: string[];
  @Column('text', { name: 'headers_sealed', nullable: true }) headers_sealed: string | null;
  @Column('text', { name: 'secret_sealed' }) secret_sealed: string;
  @Column('text', { name: 'previous_secret_sealed', nullable: true }) previous_secret_sealed: string | null;
  @Column('timestamptz', { name: 'previous_secret_expires_at', nullable: true })
  previous_secret_expires_at: Date | null;
  @Column('int', { name: 'retry_schedule', array: true }) retry_schedule: number[];
  @Column('int', { name: 'rate_limit_per_second', nullable: true }) rate_limit_per_second: number | null;
  @Column('boolean', { name: 'is_active' }) is_active: boolean;
  @Column('text', { name: 'disabled_reason', nullable: true }) disabled_reason: string | null;
  @Column('timestamptz', { name: 'disabled_at', nullable: true }) disabled_at: Date | null;
  @Column('int', { name: 'consecutive_failures' }) consecutive_failures: number;
  @Column('text', { name: 'circuit_state' }) circuit_state: CircuitState;
  @Column('timestamptz', { name: 'circuit_opened_at', nullable: true }) circuit_opened_at: Date | null;
  @Column('timestamptz', { name: 'failing_since', nullable: true }) failing_since: Date | null;
  @Column('timestamptz', { name: 'created_at' }) created_at: Date;
  @Column('timestamptz', { name: 'updated_at' }) updated_at: Date;
  @Column('timestamptz', { name: 'deleted_at', nullable: true }) deleted_at: Date | null;
}
