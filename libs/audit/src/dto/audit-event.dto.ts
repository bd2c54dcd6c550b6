import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, IsUUID, MaxLength } from 'class-validator';
import { IsPageLimit, IsTimestamp, JSON_OBJECT } from '@conduit/platform';

export class ListAuditEventsQueryDto {
  @ApiPropertyOptional({ minimum: 1, maximum: 200, default: 50 })
  @IsOptional()
  @IsPageLimit()
  limit?: number;

  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(200) cursor?: string;
  @ApiPropertyOptional({ example: 'tenant.create' }) @IsOptional() @IsString() @MaxLength(100) action?: string;
  @ApiPropertyOptional({ format: 'uuid' }) @IsOptional() @IsUUID() actor_id?: string;
  @ApiPropertyOptional({ example: 'User' }) @IsOptional() @IsString() @MaxLength(100) target_type?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(200) target_id?: string;
  @ApiPropertyOptional({ enum: ['success', 'failure', 'denied'] })
  @IsOptional()
  @IsIn(['success', 'failure', 'denied'])
  outcome?: 'success' | 'failure' | 'denied';
  @ApiPropertyOptional({ example: '2026-11-01T00:00:00Z' }) @IsOptional() @IsTimestamp() since?: Date;
  @ApiPropertyOptional({ example: '2026-12-01T00:00:00Z' }) @IsOptional() @IsTimestamp() until?: Date;
}

export class AuditEventResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) tenant_id: string;
  @ApiProperty({ enum: ['user', 'api_key', 'system', 'anonymous'] }) actor_type: string;
  @ApiProperty({ nullable: true, type: String }) actor_id: string | null;
  @ApiProperty({ nullable: true, type: String, example: 'admin@acme.example' }) actor_label: string | null;
  @ApiProperty({ example: 'user.create' }) action: string;
  @ApiProperty({ nullable: true, type: String }) target_type: string | null;
  @ApiProperty({ nullable: true, type: String }) target_id: string | null;
  @ApiProperty({ enum: ['success', 'failure', 'denied'] }) outcome: string;
  @ApiProperty({ nullable: true, type: Number }) status_code: number | null;
  @ApiProperty({ nullable: true, type: String }) ip: string | null;
  @ApiProperty({ nullable: true, type: String }) request_id: string | null;
  @ApiProperty({ ...JSON_OBJECT, nullable: true, example: { display_name: 'Ada', password: '[REDACTED]' } })
  changes: Record<string, unknown> | null;
  @ApiProperty({ ...JSON_OBJECT, nullable: true }) metadata: Record<string, unknown> | null;
  @ApiProperty() created_at: string;
}

export class AuditEventListResponse {
  @ApiProperty({ type: [AuditEventResponse] }) data: AuditEventResponse[];
  @ApiProperty({ nullable: true, type: String }) next_cursor: string | null;
}
