// The seed's case panel path (seed 002): a case's events by offset and limit, over the same service as
// GET /api/v1/cases/{id}/events. Ids in the path are the tenant's numbers (the instance's instance_id, the case's
// case_id).
import { Controller, Get, Param, ParseIntPipe } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { AccessService, CheckPolicy } from '@conduit/access';
import { ApiErrors } from '@conduit/platform';
import { TenantScope } from '@conduit/tenants';
import { CasesService } from '../cases.service';
import { CasePanelEventsResponse } from '../dto/case.dto';

@ApiTags('cases (seed paths)')
@ApiBearerAuth('bearer')
@ApiSecurity('api_key')
@Controller('casepanel/v1/events')
export class CasePanelController {
  constructor(
    private readonly cases: CasesService,
    private readonly scope: TenantScope,
    private readonly access: AccessService,
  ) {}

  @Get(':tenantCode/:instanceId/:caseId/:offset/:limit')
  @CheckPolicy('read', 'CaseEvent')
  @ApiOperation({
    summary: 'A case’s events, newest first, from off-set, at most limit (1-200)',
    description:
      'instanceId: the instance’s number (0 for a pushed or manual case); caseId: the case’s number. 400 ' +
      'validation_failed for a limit over 200 or a negative off-set.',
  })
  @ApiOkResponse({ type: CasePanelEventsResponse })
  @ApiErrors(400, 401, 403, 404)
  // Ids that are not numbers name nothing (404); an offset or limit that is not a number is bad input (400).
  async events(
    @Param('tenantCode') tenantCode: string,
    @Param('instanceId', new ParseIntPipe({ errorHttpStatusCode: 404 })) instanceId: number,
    @Param('caseId', new ParseIntPipe({ errorHttpStatusCode: 404 })) caseId: number,
    @Param('offset', new ParseIntPipe({ errorHttpStatusCode: 400 })) offset: number,
    @Param('limit', new ParseIntPipe({ errorHttpStatusCode: 400 })) limit: number,
  ): Promise<CasePanelEventsResponse> {
    this.access.actIn(await this.scope.resolve(tenantCode));
    return this.cases.panelEvents(instanceId, caseId, offset, limit);
  }
}
