// The import routes: POST /api/v1/transfer/import, and the seed's POST /apps/v1/app/import with the same body.
import { Body, Controller, HttpCode, Post, Req } from '@nestjs/common';
import { RouteConfig } from '@nestjs/platform-fastify';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiSecurity, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { AccessService, CheckPolicy } from '@conduit/access';
import { OwnTransactions } from '@conduit/database';
import { RequiresFeature } from '@conduit/licensing';
import { ApiErrors } from '@conduit/platform';
import { ImportReportResponse, ImportRequestDto } from '../dto/import.dto';
import { readTransferDocument } from '../format/read-document';
import { ImportReport } from '../format/transfer-document';
import { TransferImporter } from '../import/transfer-importer';
import { AuditedImport, IMPORT_BODY_LIMIT_BYTES, importAuditEntry, importOptions } from './import-route';

const SUMMARY = 'Import a conduit.export document into the acting tenant';
const DESCRIPTION =
  'The document is checked first (400 invalid_document, checksum_mismatch, import_version_unsupported, ' +
  'document_too_large, forbidden_key: nothing written). Then each integration, with its tasks (by tag, in dependency ' +
  'order) and its instances (created inactive, without secrets: listed in needs_secrets; their ingestion settings ' +
  'set), is replayed through the ' +
  'same services as the create routes, in its own savepoint: a failing item rolls back its integration alone ' +
  '(status partial), or, with atomic, the whole import (status failed). An existing title is updated (overwrite) ' +
  'or left alone (skip); name_map renames on the way in. dry_run runs the import and rolls it back: the answer is ' +
  'what a real import would do. Item problems (validation, references, licence quotas) are in the answer, not ' +
  'an error status. Subscriptions created without their header values and chain credentials the tenant lacks ' +
  '(never created: they need their value) are listed in resources_need_secrets. See docs/transfer.md.';

@ApiTags('transfer')
@ApiBearerAuth('bearer')
@ApiSecurity('api_key')
@Controller()
export class ImportController {
  constructor(
    private readonly importer: TransferImporter,
    private readonly access: AccessService,
  ) {}

  @Post('api/v1/transfer/import')
  @HttpCode(200)
  // The import opens its own transaction, with savepoints, and rolls it back for a dry run.
  @OwnTransactions()
  @RouteConfig({ bodyLimit: IMPORT_BODY_LIMIT_BYTES })
  @RequiresFeature('export_import')
  @CheckPolicy('create', 'Transfer')
  @AuditedImport()
  @ApiOperation({ summary: SUMMARY, description: DESCRIPTION })
  @ApiOkResponse({ type: ImportReportResponse })
  @ApiErrors(400, 401, 403)
  import(@Body() body: ImportRequestDto, @Req() req: FastifyRequest): Promise<ImportReport> {
    return this.run(body, req);
  }

  @Post('apps/v1/app/import')
  @HttpCode(200)
  @OwnTransactions()
  @RouteConfig({ bodyLimit: IMPORT_BODY_LIMIT_BYTES })
  @RequiresFeature('export_import')
  @CheckPolicy('create', 'Transfer')
  @AuditedImport()
  @ApiTags('catalogue (seed paths)')
  @ApiOperation({ summary: `${SUMMARY} (seed path)`, description: DESCRIPTION })
  @ApiOkResponse({ type: ImportReportResponse })
  @ApiErrors(400, 401, 403)
  seedImport(@Body() body: ImportRequestDto, @Req() req: FastifyRequest): Promise<ImportReport> {
    return this.run(body, req);
  }

  private run(body: ImportRequestDto, req: FastifyRequest): Promise<ImportReport> {
    const options = importOptions(body);
    const document = readTransferDocument(body.document);
    const identity = this.access.identity();
    return this.importer.import(document, options, { audit: (report) => importAuditEntry(identity, req, report) });
  }
}
