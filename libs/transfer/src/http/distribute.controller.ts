// POST /api/v1/transfer/distribute: an MSSP admin imports one document into many tenants of its subtree at once.
import { Body, Controller, HttpCode, Post, Req } from '@nestjs/common';
import { RouteConfig } from '@nestjs/platform-fastify';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiSecurity, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { AccessService, CheckPolicy } from '@conduit/access';
import { Audited } from '@conduit/audit';
import { OwnTransactions } from '@conduit/database';
import { RequiresFeature } from '@conduit/licensing';
import { ApiErrors } from '@conduit/platform';
import { DistributionResult, TransferDistributor } from '../distribute/transfer-distributor';
import { DistributeRequestDto, DistributionResponse } from '../dto/import.dto';
import { readTransferDocument } from '../format/read-document';
import { IMPORT_BODY_LIMIT_BYTES, importAuditEntry, importOptions } from './import-route';

@ApiTags('transfer')
@ApiBearerAuth('bearer')
@ApiSecurity('api_key')
@Controller()
export class DistributeController {
  constructor(
    private readonly distributor: TransferDistributor,
    private readonly access: AccessService,
  ) {}

  @Post('api/v1/transfer/distribute')
  @HttpCode(200)
  // Each tenant's import opens its own transaction.
  @OwnTransactions()
  @RouteConfig({ bodyLimit: IMPORT_BODY_LIMIT_BYTES })
  @RequiresFeature('export_import')
  @CheckPolicy('create', 'Transfer')
  // The request's row in the caller's tenant keeps the targets and options, never the document; each tenant's
  // import writes its own row there (transfer.import, with its counts).
  @Audited('transfer.distribute', 'Transfer', {
    changes: (body) => ({
      tenant_ids: body.tenant_ids,
      import_type: body.import_type,
      dry_run: body.dry_run,
      atomic: body.atomic,
    }),
  })
  @ApiOperation({
    summary: 'Import one conduit.export document into several tenants of your subtree',
    description:
      'The document is checked once (the import’s 400s). Every tenant must be the caller’s tenant or below it: ' +
      'one that is not (or does not exist) refuses the whole request with 403 transfer_tenant_forbidden before ' +
      'anything is written. Then each tenant’s import runs alone, acting in that tenant (its licence allocation ' +
      'must include export_import, its quotas apply), with the options of POST /api/v1/transfer/import; one ' +
      'tenant’s failure does not undo another’s. The answer has a result per tenant. See docs/transfer.md.',
  })
  @ApiOkResponse({ type: DistributionResponse })
  @ApiErrors(400, 401, 403)
  async distribute(
    @Body() body: DistributeRequestDto,
    @Req() req: FastifyRequest,
  ): Promise<{ results: DistributionResult[] }> {
    const options = importOptions(body);
    const document = readTransferDocument(body.document);
    const identity = this.access.identity();
    const results = await this.distributor.distribute(document, body.tenant_ids, options, (tenant, report) =>
      importAuditEntry({ principal: identity.principal, tenant }, req, report),
    );
    return { results };
  }
}
