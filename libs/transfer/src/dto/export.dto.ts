// The export routes' bodies and the document as Swagger shows it. The document's members that are other routes'
// create bodies are free-form JSON here: their shapes are those routes' (and the published JSON Schema's).
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Max,
  MaxLength,
  Min,
  ValidateBy,
  ValidationArguments,
} from 'class-validator';
import { JSON_OBJECT, isUuid } from '@conduit/platform';
import { TRANSFER_FORMAT, TRANSFER_KINDS, TRANSFER_VERSION, TransferKind } from '../format/transfer-document';

/** The most integrations one export names. */
export const MAX_EXPORT_IDS = 1000;
const MAX_INT = 2_147_483_647;

/** Each entry an integration_id (a whole number from 1) or an integration's UUID. */
const IsIntegrationIds = (): PropertyDecorator =>
  ValidateBy({
    name: 'isIntegrationIds',
    validator: {
      validate: (value: unknown) =>
        Array.isArray(value) &&
        value.every((v) => (Number.isSafeInteger(v) && v >= 1 && v <= MAX_INT) || (typeof v === 'string' && isUuid(v))),
      defaultMessage: ({ property }: ValidationArguments) =>
        `${property} must be a list of integration_ids (whole numbers from 1) or integration UUIDs`,
    },
  });

export class ExportRequestDto {
  @ApiPropertyOptional({
    type: 'array',
    items: {
      oneOf: [
        { type: 'integer', minimum: 1 },
        { type: 'string', format: 'uuid' },
      ],
    },
    maxItems: MAX_EXPORT_IDS,
    example: [1, '0196b8a0-7c1e-7d3a-9f00-3c2e51a1b001'],
    description:
      "The integrations to export: the seed's integration_id or the UUID, of the acting tenant's own integrations. " +
      'Absent: every one. One the tenant does not have: 404 export_not_found naming each, nothing exported.',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_EXPORT_IDS)
  @IsIntegrationIds()
  integration_ids?: (number | string)[];

  @ApiPropertyOptional({
    enum: TRANSFER_KINDS,
    isArray: true,
    example: ['chains', 'subscriptions'],
    description: 'What the document carries besides the integrations (all of the tenant’s, whatever integration_ids)',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(TRANSFER_KINDS.length)
  @IsIn(TRANSFER_KINDS, { each: true })
  include?: TransferKind[];
}

/** The seed's body (POST /apps/v1/app/export): integer ids, and the tenant as other seed routes name it. */
export class SeedExportRequestDto {
  @ApiProperty({ type: [Number], example: [1, 2], description: "The seed's integration_id of each integration" })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_EXPORT_IDS)
  @IsInt({ each: true })
  @Min(1, { each: true })
  @Max(MAX_INT, { each: true })
  integration_ids: number[];

  @ApiPropertyOptional({ description: 'Your tenant’s code (the default) or one you administer' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  tenant_code?: string;
}

class TransferSourceResponse {
  @ApiProperty({ description: 'The exporting installation’s id (as GET /api/v1/license shows it)' })
  installation: string;
  @ApiProperty({ example: 'acme' }) tenant_code: string;
}

class TransferLogoResponse {
  @ApiProperty({ example: 'image/png' }) content_type: string;
  @ApiProperty({ description: 'The logo’s bytes, base64' }) base64: string;
}

class ExportedAppResponse {
  @ApiProperty({ ...JSON_OBJECT, description: 'The integration’s create body (secret defaults removed)' })
  integration: Record<string, unknown>;
  @ApiProperty({ type: TransferLogoResponse, nullable: true }) logo: TransferLogoResponse | null;
  @ApiProperty({
    type: 'array',
    items: JSON_OBJECT,
    description: 'Each task’s create body, ordered by task_tag; references by tag',
  })
  tasks: Record<string, unknown>[];
  @ApiProperty({
    type: 'array',
    items: JSON_OBJECT,
    description:
      'Instance stubs: title, base_url, non-secret fields, auth type and settings, rate_limit, health_check, status, ' +
      'ingestion (or null), secrets_required; never a secret',
  })
  instances: Record<string, unknown>[];
}

class TransferChecksumResponse {
  @ApiProperty({ enum: ['sha256'] }) algorithm: 'sha256';
  @ApiProperty({ description: 'SHA-256 (hex) of the RFC 8785 canonical JSON of the document without checksum' })
  value: string;
}

const RESOURCES = (what: string) => ({
  type: 'array' as const,
  items: JSON_OBJECT,
  required: false,
  description: `${what}: with include only; create bodies ordered by name, references by name, no secret`,
});

export class TransferDocumentResponse {
  @ApiProperty({ enum: [TRANSFER_FORMAT] }) format: typeof TRANSFER_FORMAT;
  @ApiProperty({ example: TRANSFER_VERSION }) version: number;
  @ApiProperty({ format: 'date-time' }) exported_at: string;
  @ApiProperty({ type: TransferSourceResponse }) source: TransferSourceResponse;
  @ApiProperty({ type: [ExportedAppResponse] }) apps: ExportedAppResponse[];
  @ApiPropertyOptional({
    type: 'array',
    items: JSON_OBJECT,
    required: false,
    description:
      'The tenant’s instances of integrations shared with it from above (an MSSP’s), as instance stubs with ' +
      '`integration` naming the shared integration by title; in a whole export (no integration_ids), when there are any',
  })
  shared_instances?: Record<string, unknown>[];
  @ApiPropertyOptional(RESOURCES('Execution chains')) chains?: Record<string, unknown>[];
  @ApiPropertyOptional(RESOURCES('With chains, the chain credentials as stubs (never their values)'))
  chain_credentials?: Record<string, unknown>[];
  @ApiPropertyOptional(RESOURCES('Subscriptions')) subscriptions?: Record<string, unknown>[];
  @ApiPropertyOptional(RESOURCES('Inbound sources')) inbound_sources?: Record<string, unknown>[];
  @ApiPropertyOptional(RESOURCES('Monitors')) monitors?: Record<string, unknown>[];
  @ApiProperty({ type: TransferChecksumResponse }) checksum: TransferChecksumResponse;
}
