import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsBoolean, IsIn, IsObject, IsOptional, IsString, MaxLength } from 'class-validator';
import { IsName, IsOptionalButNotNull, JSON_OBJECT, JSON_VALUE } from '@conduit/platform';
import { ListQueryDto } from '@conduit/tenants';
import { FIELD_TYPES, MAX_FIELDS } from '../fields';
import { INTEGRATION_STATUSES } from '../entities/integration.entity';

/** Statuses a create or update may set; deleted is reached through DELETE only. */
export const SETTABLE_STATUSES = ['active', 'inactive', 'draft'] as const;
export type SettableStatus = (typeof SETTABLE_STATUSES)[number];

export class FieldValidationDto {
  @ApiPropertyOptional({ description: 'number: smallest value', example: 1 }) min?: number;
  @ApiPropertyOptional({ description: 'number: largest value', example: 65535 }) max?: number;
  @ApiPropertyOptional({
    description: 'text, textarea, url, secret: ECMAScript regular expression (unicode mode) the value must match',
    example: '^[a-z0-9-]+$',
  })
  pattern?: string;
  @ApiPropertyOptional({ description: 'text-like: shortest length; multiselect: fewest choices', minimum: 0 })
  min_length?: number;
  @ApiPropertyOptional({ description: 'text-like: longest length; multiselect: most choices', minimum: 0 })
  max_length?: number;
}

/** One configuration field of an integration (the same model defines a task's input fields). */
export class FieldDefinitionDto {
  @ApiProperty({
    description: 'Identifier, unique in the list (case-insensitive): a letter or _, then letters, digits, _',
    example: 'api_url',
    pattern: '^[A-Za-z_][A-Za-z0-9_]{0,63}$',
  })
  name: string;
  @ApiPropertyOptional({ description: 'Shown to users; the name when absent', example: 'API URL', maxLength: 200 })
  label?: string;
  @ApiProperty({ enum: FIELD_TYPES, example: 'url' }) type: string;
  @ApiPropertyOptional({ default: false, description: 'A value must be given' }) required?: boolean;
  @ApiPropertyOptional({
    ...JSON_VALUE,
    description: 'Default value; must itself be valid for the field (secrets have none)',
  })
  default?: unknown;
  @ApiPropertyOptional({
    type: [String],
    description: 'select and multiselect: the allowed values (required there, refused elsewhere)',
    example: ['eu', 'us'],
  })
  options?: string[];
  @ApiPropertyOptional({ maxLength: 2000 }) description?: string;
  @ApiPropertyOptional({ type: FieldValidationDto }) validation?: FieldValidationDto;
}

class IntegrationSettingsDto {
  @ApiPropertyOptional({ description: 'What the integration is and does', maxLength: 5000, example: 'SIEM search' })
  @IsOptionalButNotNull()
  @IsString()
  @MaxLength(5000)
  description?: string;

  @ApiPropertyOptional({ example: '1.0', maxLength: 50 })
  @IsOptionalButNotNull()
  @IsString()
  @MaxLength(50)
  version?: string;

  @ApiPropertyOptional({ example: 'SIEM', maxLength: 100, description: 'Functional category (free text)' })
  @IsOptionalButNotNull()
  @IsString()
  @MaxLength(100)
  category?: string;

  @ApiPropertyOptional({ enum: SETTABLE_STATUSES, default: 'active' })
  @IsOptionalButNotNull()
  @IsIn(SETTABLE_STATUSES)
  status?: SettableStatus;

  @ApiPropertyOptional({
    type: [FieldDefinitionDto],
    description: `Configuration field definitions (at most ${MAX_FIELDS}); a bad one is 400 invalid_field_definition naming it`,
  })
  @IsOptionalButNotNull()
  @IsArray()
  @ArrayMaxSize(MAX_FIELDS)
  fields?: unknown[];

  @ApiPropertyOptional({ ...JSON_OBJECT, description: 'Free-form metadata (tags, links)', example: { vendor: 'Acme' } })
  @IsOptionalButNotNull()
  @IsObject()
  metadata?: Record<string, unknown>;

  @ApiPropertyOptional({
    default: false,
    description: 'Readable by the tenants below this one (platform and MSSP tenants); only this tenant edits it',
  })
  @IsOptionalButNotNull()
  @IsBoolean()
  shared?: boolean;

  @ApiPropertyOptional({ default: true, description: "The seed's generic_app flag (a reusable, form-defined app)" })
  @IsOptionalButNotNull()
  @IsBoolean()
  generic_app?: boolean;
}

export class CreateIntegrationDto extends IntegrationSettingsDto {
  @ApiProperty({ example: 'Splunk', description: 'Unique in the tenant among integrations not deleted (any case)' })
  @IsName(200)
  title: string;
}

export class UpdateIntegrationDto extends IntegrationSettingsDto {
  @ApiPropertyOptional({ example: 'Splunk Cloud' })
  @IsOptionalButNotNull()
  @IsName(200)
  title?: string;
}

export class ListIntegrationsQueryDto extends ListQueryDto {
  @ApiPropertyOptional({ enum: INTEGRATION_STATUSES, description: 'deleted: the tenant’s deleted integrations' })
  @IsOptional()
  @IsIn(INTEGRATION_STATUSES)
  status?: (typeof INTEGRATION_STATUSES)[number];

  @ApiPropertyOptional({ example: 'SIEM', description: 'Exact category (any case)' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  category?: string;

  @ApiPropertyOptional({ example: 'splu', description: 'Part of the title (any case)' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  q?: string;
}

export class LogoInfoResponse {
  @ApiProperty({ example: 'image/png' }) content_type: string;
  @ApiProperty({ description: 'Bytes' }) size: number;
  @ApiProperty({ description: 'SHA-256 of the stored bytes (hex)' }) sha256: string;
}

export class IntegrationResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) tenant_id: string;
  @ApiProperty({ description: "The tenant's sequence number (the seed's integer id)", example: 7 })
  integration_id: number;
  @ApiProperty({ example: 'Splunk' }) title: string;
  @ApiProperty() description: string;
  @ApiProperty({ example: '1.0' }) version: string;
  @ApiProperty({ example: 'SIEM' }) category: string;
  @ApiProperty({ enum: INTEGRATION_STATUSES }) status: string;
  @ApiProperty({ type: [FieldDefinitionDto] }) fields: FieldDefinitionDto[];
  @ApiProperty({ ...JSON_OBJECT }) metadata: Record<string, unknown>;
  @ApiProperty() shared: boolean;
  @ApiProperty() generic_app: boolean;
  @ApiProperty({
    nullable: true,
    type: String,
    format: 'uuid',
    description: 'The tenant above whose shared catalogue this comes from; null for the tenant’s own',
  })
  shared_from: string | null;
  @ApiProperty({ type: LogoInfoResponse, nullable: true, description: 'null: the default logo is served' })
  logo: LogoInfoResponse | null;
  @ApiProperty({ description: 'Where the logo is served', example: '/api/v1/integrations/{id}/logo' })
  logo_url: string;
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) created_by: string | null;
  @ApiProperty({ format: 'date-time' }) created_at: string;
  @ApiProperty({ format: 'date-time' }) updated_at: string;
}

export class IntegrationListResponse {
  @ApiProperty({ type: [IntegrationResponse] }) data: IntegrationResponse[];
  @ApiProperty({ nullable: true, type: String }) next_cursor: string | null;
}

export class ForceQueryDto {
  @ApiPropertyOptional({
    enum: ['true', 'false'],
    description:
      'Go ahead although something uses the integration: its users are marked inactive, the instances that tenants ' +
      'below made of a shared one included (audited and announced as instance.deactivated in each of them)',
  })
  @IsOptional()
  @IsIn(['true', 'false'])
  force?: 'true' | 'false';
}
