import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsEmail, IsIn, IsObject, IsOptional, IsString, IsUUID, MaxLength } from 'class-validator';
import { IsName, IsOptionalButNotNull, IsPageLimit, JSON_OBJECT } from '@conduit/platform';
import type { TenantIsolation, TenantStatus } from '../entities/tenant.entity';
import { IsTenantCode } from '../tenant-code';

const STATUSES: TenantStatus[] = ['active', 'inactive', 'suspended'];
const ISOLATIONS: TenantIsolation[] = ['shared', 'dedicated'];

export class CreateTenantDto {
  @ApiProperty({
    example: 'acme-corp',
    description: 'Unique, 2-63 lower-case letters, digits and dashes; not shaped like a UUID',
  })
  @IsTenantCode()
  code: string;

  @ApiProperty({ example: 'Acme Corporation', description: 'Trimmed; not empty' })
  @IsName()
  name: string;

  @ApiPropertyOptional({
    format: 'uuid',
    description: 'Parent tenant (MSSP hierarchy); defaults to the acting tenant for MSSP admins',
  })
  @IsOptional()
  @IsUUID()
  parent_id?: string;

  @ApiPropertyOptional({ example: 'soc@acme.example' })
  @IsOptional()
  @IsEmail()
  contact_email?: string;

  @ApiPropertyOptional({ ...JSON_OBJECT, example: { timezone: 'Europe/Berlin' } })
  @IsOptional()
  @IsObject()
  settings?: Record<string, unknown>;

  @ApiPropertyOptional({ ...JSON_OBJECT, example: { data_retention_days: 365 } })
  @IsOptional()
  @IsObject()
  compliance_settings?: Record<string, unknown>;

  @ApiPropertyOptional({
    enum: ISOLATIONS,
    default: 'shared',
    description: "'dedicated' is refused (400 isolation_requires_database): see PUT /api/v1/tenants/{id}/isolation",
  })
  @IsOptional()
  @IsIn(ISOLATIONS)
  isolation?: TenantIsolation;
}

// Null clears only what may be empty (contact_email) or means something (parent_id: make a root); the other
// fields refuse it with a 400 (settings are replaced whole, so send {} to empty them).
export class UpdateTenantDto {
  @ApiPropertyOptional({ example: 'Acme Corp (EU)', description: 'Trimmed; not empty' })
  @IsOptionalButNotNull()
  @IsName()
  name?: string;

  @ApiPropertyOptional({ enum: STATUSES, description: 'Not of your own tenant' })
  @IsOptionalButNotNull()
  @IsIn(STATUSES)
  status?: TenantStatus;

  @ApiPropertyOptional({ example: 'soc@acme.example', nullable: true, type: String, description: 'null clears it' })
  @IsOptional()
  @IsEmail()
  contact_email?: string | null;

  @ApiPropertyOptional({
    format: 'uuid',
    nullable: true,
    type: String,
    description:
      "Move under another parent, outside this tenant's subtree; null makes it a root (platform admins only)",
  })
  @IsOptional()
  @IsUUID()
  parent_id?: string | null;

  @ApiPropertyOptional({
    ...JSON_OBJECT,
    example: { timezone: 'Europe/Berlin' },
    description: 'Replaces the settings; {} empties them',
  })
  @IsOptionalButNotNull()
  @IsObject()
  settings?: Record<string, unknown>;

  @ApiPropertyOptional({
    ...JSON_OBJECT,
    example: { data_retention_days: 365 },
    description: 'Replaces them; {} empties them',
  })
  @IsOptionalButNotNull()
  @IsObject()
  compliance_settings?: Record<string, unknown>;
}

export class ListQueryDto {
  @ApiPropertyOptional({ minimum: 1, maximum: 200, default: 50 })
  @IsOptional()
  @IsPageLimit()
  limit?: number;

  @ApiPropertyOptional({ description: 'Opaque cursor from a previous page' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  cursor?: string;
}

export class ListTenantsQueryDto extends ListQueryDto {
  @ApiPropertyOptional({ enum: STATUSES })
  @IsOptional()
  @IsIn(STATUSES)
  status?: TenantStatus;

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID()
  parent_id?: string;
}

export class TenantResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ example: 'acme-corp' }) code: string;
  @ApiProperty({ example: 'Acme Corporation' }) name: string;
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) parent_id: string | null;
  @ApiProperty({ enum: STATUSES }) status: TenantStatus;
  @ApiProperty({ nullable: true, type: String }) contact_email: string | null;
  @ApiProperty({ ...JSON_OBJECT, example: {} }) settings: Record<string, unknown>;
  @ApiProperty({ ...JSON_OBJECT, example: {} }) compliance_settings: Record<string, unknown>;
  @ApiProperty({
    enum: ISOLATIONS,
    description: 'shared: rows in the core database; dedicated: in its own (docs/dedicated-tenants.md)',
  })
  isolation: TenantIsolation;
  @ApiProperty({
    enum: ['connected', 'disconnected', 'error'],
    nullable: true,
    type: String,
    description: "A dedicated tenant's database as last seen; null for a shared tenant",
  })
  connection_status: 'connected' | 'disconnected' | 'error' | null;
  @ApiProperty() created_at: string;
  @ApiProperty() updated_at: string;
}

export class TenantListResponse {
  @ApiProperty({ type: [TenantResponse] }) data: TenantResponse[];
  @ApiProperty({ nullable: true, type: String }) next_cursor: string | null;
}
