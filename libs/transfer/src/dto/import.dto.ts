// The import routes' body and answer (POST /apps/v1/app/import, POST /api/v1/transfer/import).
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsObject,
  IsOptional,
  IsString,
  MaxLength,
} from 'class-validator';
import { IsOptionalButNotNull } from '@conduit/platform';
import {
  IMPORT_ACTIONS,
  ImportAction,
  ImportItemKind,
  ImportItemResult,
  ImportProblem,
  ImportReport,
} from '../format/transfer-document';

/** Tenants one distribution may name. */
export const DISTRIBUTE_MAX_TENANTS = 100;

const ITEM_KINDS: ImportItemKind[] = [
  'integration',
  'task',
  'instance',
  'chain',
  'subscription',
  'inbound_source',
  'monitor',
];

export class ImportRequestDto {
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: 'A conduit.export document, as POST /api/v1/transfer/export answers it (checked before anything)',
  })
  @IsObject()
  document: Record<string, unknown>;

  @ApiProperty({
    enum: ['overwrite', 'skip'],
    description: 'What to do with an integration (or resource) whose title already exists: update it, or leave it',
  })
  @IsIn(['overwrite', 'skip'])
  import_type: 'overwrite' | 'skip';

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { type: 'string' },
    example: { 'Splunk ES': 'Splunk ES (staging)' },
    description: 'Renames on the way in: a title in the document → the title in this tenant',
  })
  @IsOptionalButNotNull()
  @IsObject()
  name_map?: Record<string, string>;

  @ApiPropertyOptional({
    default: false,
    description: 'Run the whole import and roll it back: the answer is what a real import would do; nothing written',
  })
  @IsOptional()
  @IsBoolean()
  dry_run?: boolean;

  @ApiPropertyOptional({
    default: false,
    description: 'The whole import in one transaction: any failure writes nothing (otherwise each integration alone)',
  })
  @IsOptional()
  @IsBoolean()
  atomic?: boolean;
}

export class ImportProblemResponse implements ImportProblem {
  @ApiProperty({ example: 'unresolved_reference' }) code: string;
  @ApiProperty({ example: 'no task tagged "login" in the document or in the integration' }) message: string;
  @ApiPropertyOptional({ example: 'apps[0].tasks[2].depends_on[0]' }) field?: string;
}

export class ImportItemResponse implements ImportItemResult {
  @ApiProperty({ enum: ITEM_KINDS }) kind: ImportItemKind;
  @ApiProperty({ description: 'The name (title, task tag) in the document' }) name: string;
  @ApiProperty({ description: 'The name in the tenant (differs when name_map renamed it)' }) target_name: string;
  @ApiProperty({ enum: IMPORT_ACTIONS.filter((a) => a !== 'rename') }) action: ImportAction;
  @ApiProperty() renamed: boolean;
  @ApiProperty({ type: String, nullable: true, format: 'uuid' }) id: string | null;
  @ApiProperty({ type: 'integer', nullable: true, description: 'integration_id, task_id or instance_id' })
  seq_id: number | null;
  @ApiProperty({ type: String, nullable: true, description: 'For tasks and instances: their integration’s title' })
  integration: string | null;
  @ApiProperty({ type: [ImportProblemResponse] }) problems: ImportProblem[];
}

export class NeedsSecretsResponse {
  @ApiProperty({ format: 'uuid' }) instance_id: string;
  @ApiProperty() title: string;
  @ApiProperty() integration: string;
  @ApiProperty({ type: [String], example: ['fields.api_token', 'auth.password'] }) fields: string[];
}

export class ResourceNeedsSecretsResponse {
  @ApiProperty({ enum: ['subscription', 'chain_credential'] }) kind: 'subscription' | 'chain_credential';
  @ApiProperty({ description: 'The subscription’s name in the tenant, or the credential’s name' }) name: string;
  @ApiProperty({
    format: 'uuid',
    nullable: true,
    type: String,
    description: 'The subscription created; null for a chain credential (not created: it needs its value)',
  })
  id: string | null;
  @ApiProperty({ type: [String], example: ['headers.Authorization'] }) secrets: string[];
}

export class ImportCountsResponse {
  @ApiProperty() create: number;
  @ApiProperty() update: number;
  @ApiProperty() skip: number;
  @ApiProperty({ description: 'Items renamed by name_map (also counted under their action)' }) rename: number;
  @ApiProperty() error: number;
}

export class ImportReportResponse implements ImportReport {
  @ApiProperty() dry_run: boolean;
  @ApiProperty() atomic: boolean;
  @ApiProperty({ enum: ['overwrite', 'skip'] }) import_type: 'overwrite' | 'skip';
  @ApiProperty({
    enum: ['completed', 'partial', 'failed'],
    description: 'completed: every item imported; partial: some integrations rolled back; failed: nothing written',
  })
  status: 'completed' | 'partial' | 'failed';
  @ApiProperty({ type: [ImportItemResponse] }) items: ImportItemResult[];
  @ApiProperty({ type: [NeedsSecretsResponse] }) needs_secrets: NeedsSecretsResponse[];
  @ApiProperty({
    type: [ResourceNeedsSecretsResponse],
    description: 'Subscriptions created without their header values, and chain credentials the tenant lacks',
  })
  resources_need_secrets: ResourceNeedsSecretsResponse[];
  @ApiProperty({ type: ImportCountsResponse }) counts: ImportReport['counts'];
}

/** POST /api/v1/transfer/distribute: the import's body, for many tenants of the caller's subtree at once. */
export class DistributeRequestDto extends ImportRequestDto {
  @ApiProperty({
    type: [String],
    minItems: 1,
    maxItems: DISTRIBUTE_MAX_TENANTS,
    example: ['1f4c0a52-8a84-4c43-9d0e-2f6a9d1c1b7e', 'customer-b'],
    description: 'The tenants to import into (ids or codes), each in the caller’s tenant subtree',
  })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(DISTRIBUTE_MAX_TENANTS)
  @IsString({ each: true })
  @MaxLength(100, { each: true })
  tenant_ids: string[];
}

export class DistributionErrorResponse {
  @ApiProperty({ example: 'license_feature_unavailable' }) code: string;
  @ApiProperty() message: string;
}

export class DistributionResultResponse {
  @ApiProperty({ format: 'uuid' }) tenant_id: string;
  @ApiProperty() tenant_code: string;
  @ApiProperty({
    enum: ['completed', 'partial', 'failed', 'error'],
    description: 'The tenant’s import status, or error when its import could not run (the reason in error)',
  })
  status: 'completed' | 'partial' | 'failed' | 'error';
  @ApiProperty({ type: ImportReportResponse, nullable: true }) report: ImportReportResponse | null;
  @ApiProperty({ type: DistributionErrorResponse, nullable: true }) error: DistributionErrorResponse | null;
}

export class DistributionResponse {
  @ApiProperty({ type: [DistributionResultResponse] }) results: DistributionResultResponse[];
}
