// The export routes: the REST form, the seed's path, and the format's JSON Schema. The exporter audits each export
// itself (kinds and counts, never the content).
import { Body, Controller, Get, HttpCode, Post, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiSecurity, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { AccessService, CheckPolicy } from '@conduit/access';
import { AuditedByService } from '@conduit/audit';
import { RequiresFeature } from '@conduit/licensing';
import { ApiErrors, JSON_OBJECT, requestMeta } from '@conduit/platform';
import { TenantScope } from '@conduit/tenants';
import { ExportRequestDto, SeedExportRequestDto, TransferDocumentResponse } from '../dto/export.dto';
import { TransferExporter } from '../export/transfer-exporter';
import { TRANSFER_SCHEMA } from '../format/transfer-schema';
import type { TransferDocument } from '../format/transfer-document';

const EXPORT_DESCRIPTION =
  'A conduit.export document of the acting tenant: each integration with its field definitions (secret defaults ' +
  'removed), logo (base64) and tasks (by task_tag), its instances as stubs (no secret: each secret the instance holds ' +
  'is named in secrets_required), and with include its chains, chain credentials (stubs), subscriptions, inbound ' +
  'sources and monitors; references by name, a SHA-256 of the canonical JSON in checksum (docs/transfer.md). ' +
  'Licence feature export_import. Audited (kinds and counts).';

@ApiTags('transfer')
@ApiBearerAuth('bearer')
@ApiSecurity('api_key')
@Controller()
export class TransferExportController {
  constructor(
    private readonly exporter: TransferExporter,
    private readonly scope: TenantScope,
    private readonly access: AccessService,
  ) {}

  @Post('api/v1/transfer/export')
  @HttpCode(200)
  @CheckPolicy('read', 'Transfer')
  @RequiresFeature('export_import')
  @AuditedByService()
  @ApiOperation({
    summary: 'Export the tenant’s configuration as a portable, sanitised document',
    description: EXPORT_DESCRIPTION,
  })
  @ApiOkResponse({ type: TransferDocumentResponse })
  @ApiErrors(400, 401, 403, 404)
  export(@Body() dto: ExportRequestDto, @Req() req: FastifyRequest): Promise<TransferDocument> {
    return this.exporter.export({ integration_ids: dto.integration_ids, include: dto.include }, requestMeta(req));
  }

  @Post('apps/v1/app/export')
  @HttpCode(200)
  @CheckPolicy('read', 'Transfer')
  @RequiresFeature('export_import')
  @AuditedByService()
  @ApiOperation({
    summary: 'Export applications (integrations) by integration_id (seed 002 path)',
    description: `${EXPORT_DESCRIPTION} The integrations only (no include). tenant_code: yours or one you administer.`,
  })
  @ApiOkResponse({ type: TransferDocumentResponse })
  @ApiErrors(400, 401, 403, 404)
  async seedExport(@Body() dto: SeedExportRequestDto, @Req() req: FastifyRequest): Promise<TransferDocument> {
    if (dto.tenant_code) this.access.actIn(await this.scope.resolve(dto.tenant_code));
    return this.exporter.export({ integration_ids: dto.integration_ids }, requestMeta(req));
  }

  @Get('api/v1/transfer/schema')
  @CheckPolicy('read', 'Transfer')
  @ApiOperation({ summary: 'The JSON Schema (draft 2020-12) of the conduit.export document' })
  @ApiOkResponse({ schema: JSON_OBJECT })
  @ApiErrors(401, 403)
  schema(): Record<string, unknown> {
    return TRANSFER_SCHEMA;
  }
}
