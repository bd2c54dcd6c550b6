import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { TenantId } from '@conduit/platform';

export const INSTANCE_STATUSES = ['active', 'inactive', 'error', 'maintenance'] as const;
export type InstanceStatus = (typeof INSTANCE_STATUSES)[number];

export const AUTH_TYPES = ['none', 'basic', 'bearer', 'api_key', 'oauth2_client_credentials'] as const;
export type AuthType = (typeof AUTH_TYPES)[number];

/** The auth settings that are not secret: where an API key goes, the OAuth token endpoint and scope. */
export interface AuthSettings {
  header?: string;
  query?: string;
  token_url?: string;
  scope?: string;
}

export interface RateLimit {
  max: number;
  per_seconds: number;
}

export interface HealthCheck {
  task_tag?: string;
  path?: string;
  interval_seconds: number;
  /** Consecutive failures that make the instance unhealthy (status error, instance.unhealthy published once). */
  failure_threshold?: number;
}

export const HEALTH_STATUSES = ['unknown', 'healthy', 'unhealthy'] as const;
export type HealthStatus = (typeof HEALTH_STATUSES)[number];
export const DEFAULT_HEALTH_FAILURE_THRESHOLD = 3;

/** What the last health check found. */
export interface HealthResult {
  ok: boolean;
  checked_at: string;
  duration_ms: number;
  status_code: number | null;
  error: { code: string; message: string } | null;
  /** The task run, for a check by task_tag. */
  run_id: string | null;
}

@Entity('integration_instances')
export class InstanceEntity {
  @PrimaryColumn('uuid') id: string;
  @Column('uuid', { name: 'tenant_id' }) tenant_id: TenantId;
  /** The tenant's sequence number (catalogue_counters, kind instance): the seed's integer id. */
  @Column('integer', { name: 'instance_id' }) instance_id: number;
  /** The integration: the tenant's own or one shared from a tenant above. */
  @Column('uuid', { name: 'integration_uuid' }) integration_uuid: string;
  @Column('integer', { name: 'integration_id' }) integration_id: number;
  @Column('text') title: string;
  @Column('text', { name: 'base_url' }) base_url: string;
  /** Non-secret field values only. */
  @Column('jsonb') fields: Record<string, unknown>;
  /** The secret field values and the credentials, as one sealed JSON (null when there are none). */
  @Column('text', { name: 'secrets_sealed', nullable: true }) secrets_sealed: string | null;
  /** The names of the secret fields that hold a value (never the values). */
  @Column('text', { name: 'secret_fields', array: true }) secret_fields: string[];
  @Column('text', { name: 'auth_type' }) auth_type: AuthType;
  @Column('jsonb', { name: 'auth_settings' }) auth_settings: AuthSettings;
  @Column('jsonb', { name: 'rate_limit', nullable: true }) rate_limit: RateLimit | null;
  @Column('jsonb', { name: 'health_check', nullable: true }) health_check: HealthCheck | null;
  @Column('text') status: InstanceStatus;
  @Column('text', { name: 'health_status' }) health_status: HealthStatus;
  @Column('integer', { name: 'health_failures' }) health_failures: number;
  @Column('timestamptz', { name: 'last_health_check', nullable: true }) last_health_check: Date | null;
  @Column('jsonb', { name: 'last_health_result', nullable: true }) last_health_result: HealthResult | null;
  @Column('timestamptz', { name: 'next_health_check_at', nullable: true }) next_health_check_at: Date | null;
  @Column('uuid', { name: 'created_by', nullable: true }) created_by: string | null;
  @Column('timestamptz', { name: 'created_at' }) created_at: Date;
  @Column('timestamptz', { name: 'updated_at' }) updated_at: Date;
  @Column('timestamptz', { name: 'deleted_at', nullable: true }) deleted_at: Date | null;
}
