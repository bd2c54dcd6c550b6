// Polling ingestion's routes: an instance's settings (PUT, GET, DELETE /api/v1/instances/{id}/ingestion), the cursor
// reset, and the seed's start-time path. Admins write (update Instance), analysts and viewers read, like instances.
import { Body, Controller, Delete, Get, HttpCode, Param, ParseIntPipe, Put } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiSecurity,
  ApiTags,
} from '@nestjs/swagger';
import { AccessService, CheckPolicy } from '@conduit/access';
import { Audited } from '@conduit/audit';
import { ApiErrors } from '@conduit/platform';
import { TenantScope } from '@conduit/tenants';
import { IngestionResponse, PutIngestionDto, ResetCursorDto, StartTimeResponse } from './ingestion.dto';
import { InstanceIngestionService } from './instance-ingestion.service';

@ApiTags('cases')
@ApiBearerAuth('bearer')
@ApiSecurity('api_key')
@Controller('api/v1/instances')
export class InstanceIngestionController {
  constructor(private readonly ingestion: InstanceIngestionService) {}

  @Get(':id/ingestion')
  @CheckPolicy('read', 'Instance')
  @ApiOperation({ summary: 'The instance’s polling ingestion: settings, cursor, schedule and last run' })
  @ApiOkResponse({ type: IngestionResponse })
  @ApiErrors(401, 403, 404)
  get(@Param('id') id: string): Promise<IngestionResponse> {
    return this.ingestion.get(id);
  }

  @Put(':id/ingestion')
  @CheckPolicy('update', 'Instance')
  @Audited('instance.ingestion.update', 'Instance')
  @ApiOperation({
    summary: 'Switch the instance on for case ingestion (or change its settings)',
    description:
      'The task (task_tag) must be an active task of the instance’s integration with ingest_cases true (400 ' +
      'invalid_ingestion_task). Every bad setting is named in one 400 invalid_ingestion_config; nothing is written. ' +
      'Each page is asked with the task inputs start, end (ISO 8601, the window [start, end)), page_size and the ' +
      'pagination param (page_token or page). The cursor is kept across changes. See docs/cases.md.',
  })
  @ApiBody({ type: PutIngestionDto })
  @ApiOkResponse({ type: IngestionResponse })
  @ApiErrors(400, 401, 403, 404)
  put(@Param('id') id: string, @Body() body: Record<string, unknown>): Promise<IngestionResponse> {
    return this.ingestion.put(id, body);
  }

  @Delete(':id/ingestion')
  @CheckPolicy('update', 'Instance')
  @Audited('instance.ingestion.delete', 'Instance')
  @HttpCode(204)
  @ApiOperation({ summary: 'Switch ingestion off and forget its settings and cursor (events and cases stay)' })
  @ApiNoContentResponse()
  @ApiErrors(401, 403, 404)
  async remove(@Param('id') id: string): Promise<void> {
    await this.ingestion.remove(id);
  }

  @Put(':id/ingestion/cursor')
  @CheckPolicy('update', 'Instance')
  @Audited('instance.ingestion.cursor', 'Instance')
  @ApiOperation({
    summary: 'Reset the cursor: the next run (due now) reads from this time (minus the lookback)',
    description: 'Drops any resume point. Items stored already are dropped as duplicates when read again.',
  })
  @ApiOkResponse({ type: IngestionResponse })
  @ApiErrors(400, 401, 403, 404)
  resetCursor(@Param('id') id: string, @Body() body: ResetCursorDto): Promise<IngestionResponse> {
    return this.ingestion.resetCursor(id, body.cursor);
  }
}

@ApiTags('cases (seed paths)')
@ApiBearerAuth('bearer')
@ApiSecurity('api_key')
@Controller('apps/v1/case-ingestion-start-time')
export class CaseIngestionStartTimeController {
  constructor(
    private readonly ingestion: InstanceIngestionService,
    private readonly scope: TenantScope,
    private readonly access: AccessService,
  ) {}

  @Get(':tenantCode/:instanceId')
  @CheckPolicy('read', 'Instance')
  @ApiOperation({
    summary: 'Where the instance’s next ingestion window starts, its last run and the next scheduled run',
    description: 'instanceId: the instance’s number. 404 ingestion_not_configured when it has no ingestion.',
  })
  @ApiOkResponse({ type: StartTimeResponse })
  @ApiErrors(401, 403, 404)
  async startTime(
    @Param('tenantCode') tenantCode: string,
    @Param('instanceId', new ParseIntPipe({ errorHttpStatusCode: 404 })) instanceId: number,
  ): Promise<StartTimeResponse> {
    this.access.actIn(await this.scope.resolve(tenantCode));
    return this.ingestion.startTime(instanceId);
  }
}
