import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { InstanceResponse } from '../instances/instance.dto';
import { IntegrationResponse } from './integration.dto';

/** The multipart form of POST /apps/v1/app/generic, as documented (every part is text but the logo). */
export class GenericAppFormDto {
  @ApiPropertyOptional({ description: '0 or absent: create; otherwise the integration_id to update', example: '0' })
  integration_id?: string;
  @ApiPropertyOptional({ description: 'The tenant (its code); the acting tenant when absent', example: 'acme' })
  tenant_code?: string;
  @ApiPropertyOptional({ description: 'Required on create; unique among the tenant’s integrations', example: 'Splunk' })
  title?: string;
  @ApiPropertyOptional() description?: string;
  @ApiPropertyOptional({ example: '1.0' }) version?: string;
  @ApiPropertyOptional({ example: 'SIEM' }) category?: string;
  @ApiPropertyOptional({ enum: ['active', 'inactive', 'draft'] }) status?: string;
  @ApiPropertyOptional({
    description: 'JSON array of field definitions (see FieldDefinitionDto)',
    example: '[{"name":"api_url","label":"API URL","type":"url","required":true}]',
  })
  fields?: string;
  @ApiPropertyOptional({ description: 'JSON object', example: '{"vendor":"Acme"}' }) metadata?: string;
  @ApiPropertyOptional({ enum: ['true', 'false'] }) shared?: string;
  @ApiPropertyOptional({ enum: ['true', 'false'] }) generic_app?: string;
  @ApiPropertyOptional({
    enum: ['true', 'false'],
    description: 'Also create an instance from the `instance` part, in the same transaction (quota `instances` first)',
  })
  add_instance?: string;
  @ApiPropertyOptional({
    description:
      'With add_instance: JSON object as the body of POST /api/v1/instances without integration_uuid (base_url ' +
      'required; title defaults to the app’s title)',
    example: '{"base_url":"https://splunk.example.com","fields":{"api_url":"https://splunk.example.com"}}',
  })
  instance?: string;
  @ApiPropertyOptional({ type: 'string', format: 'binary', description: 'PNG, JPEG, WebP or SVG, at most 512 KB' })
  logo?: unknown;
}

export class GenericAppResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ example: 3 }) integration_id: number;
  @ApiProperty({ enum: ['created', 'updated'] }) status: 'created' | 'updated';
  @ApiProperty({ example: 'Integration created' }) message: string;
  @ApiProperty({ type: IntegrationResponse }) integration: IntegrationResponse;
  @ApiPropertyOptional({ example: 1, description: 'With add_instance: the new instance’s instance_id' })
  instance_id?: number;
  @ApiPropertyOptional({ type: InstanceResponse, description: 'With add_instance: the new instance' })
  instance?: InstanceResponse;
}

export class DeleteAppDto {
  @ApiProperty({ example: 3, description: 'The integration’s integration_id' })
  @IsInt()
  @Min(1)
  @Max(2_147_483_647)
  integration_id: number;

  @ApiProperty({ example: 'acme', description: 'The caller’s tenant or one it administers (else 404)' })
  @IsString()
  @MaxLength(200)
  tenant_code: string;

  @ApiPropertyOptional({ default: false, description: 'Delete even while tasks, chains or ingestion use it' })
  @IsOptional()
  @IsBoolean()
  force?: boolean;
}

export class AppDependentResponse {
  @ApiProperty({ example: 'task' }) kind: string;
  @ApiProperty() id: string;
  @ApiProperty() name: string;
}

export class DeleteAppResponse {
  @ApiProperty({ example: 3 }) integration_id: number;
  @ApiProperty({ enum: ['deleted'] }) status: 'deleted';
  @ApiProperty({ example: 'Integration deleted' }) message: string;
  @ApiProperty({ type: [AppDependentResponse], description: 'What used it (deactivated with force)' })
  dependents: AppDependentResponse[];
}

export class IntegrationNameResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ example: 3 }) integration_id: number;
  @ApiProperty({ example: 'Splunk' }) title: string;
  @ApiProperty({ example: 'SIEM' }) category: string;
  @ApiProperty({ example: '1.0' }) version: string;
  @ApiProperty({ example: '/api/v1/integrations/0190.../logo' }) logo_url: string;
  @ApiProperty({ nullable: true, type: String, format: 'uuid', description: 'Owner tenant when shared from above' })
  shared_from: string | null;
}
