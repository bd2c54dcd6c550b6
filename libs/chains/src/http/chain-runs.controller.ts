// Chain runs at the seed's paths (/api/execution-chains/...) and their canonical aliases (/api/v1/chains/...); one run
// at /api/v1/chain-runs/{runId}, and at the seed's /api/execution-chains/runs/{runId} and /api/v1/chains/runs/{runId},
// which are served but left out of the OpenAPI document: there they would be ambiguous with /chains/{id}/activate.
import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBearerAuth,
  ApiBody,
  ApiOkResponse,
  ApiOperation,
  ApiExcludeController,
  ApiSecurity,
  ApiTags,
} from '@nestjs/swagger';
import { CheckPolicy } from '@conduit/access';
import { ApiErrors } from '@conduit/platform';
import { Audited } from '@conduit/audit';
import { ChainRunsService } from '../chain-runs.service';
import {
  ChainRunDetailResponse,
  ChainRunListResponse,
  ChainRunResponse,
  ExecuteChainDto,
  ExecutedRunResponse,
  ListChainRunsQueryDto,
  ListRunsQueryDto,
} from '../dto/chain-run.dto';

@ApiTags('execution chains')
@ApiBearerAuth('bearer')
@ApiSecurity('api_key')
@Controller(['api/execution-chains', 'api/v1/chains'])
export class ChainRunsController {
  constructor(private readonly runs: ChainRunsService) {}

  @Post(':id/execute')
  @HttpCode(202)
  @CheckPolicy('create', 'ChainRun')
  @Audited('chain.execute', 'ChainRun')
  @ApiOperation({
    summary: 'Start a run with custom trigger data; answers 202 with the run id while the worker runs the steps',
  })
  @ApiBody({
    type: ExecuteChainDto,
    required: false,
    description: 'Optional: without a body the run starts with trigger_data {}',
  })
  @ApiAcceptedResponse({ type: ExecutedRunResponse })
  @ApiErrors(400, 401, 403, 404, 409)
  execute(@Param('id') id: string, @Body() dto: ExecuteChainDto): Promise<ExecutedRunResponse> {
    return this.runs.execute(id, dto);
  }

  @Get('runs')
  @CheckPolicy('read', 'ChainRun')
  @ApiOperation({ summary: 'List runs of every chain of the tenant' })
  @ApiOkResponse({ type: ChainRunListResponse })
  @ApiErrors(400, 401, 403)
  listAll(@Query() query: ListRunsQueryDto) {
    return this.runs.list(query);
  }

  @Get(':id/runs')
  @CheckPolicy('read', 'ChainRun')
  @ApiOperation({ summary: 'List runs of one chain' })
  @ApiOkResponse({ type: ChainRunListResponse })
  @ApiErrors(400, 401, 403, 404)
  listOfChain(@Param('id') id: string, @Query() query: ListChainRunsQueryDto) {
    return this.runs.list(query, id);
  }
}

@ApiTags('execution chains')
@ApiBearerAuth('bearer')
@ApiSecurity('api_key')
@Controller('api/v1/chain-runs')
export class ChainRunController {
  constructor(private readonly runs: ChainRunsService) {}

  @Get(':runId')
  @CheckPolicy('read', 'ChainRun')
  @ApiOperation({ summary: 'Get a run with every step run (request payloads with credentials as [REDACTED])' })
  @ApiOkResponse({ type: ChainRunDetailResponse })
  @ApiErrors(401, 403, 404)
  get(@Param('runId') runId: string): Promise<ChainRunDetailResponse> {
    return this.runs.get(runId);
  }

  @Post(':runId/resume')
  @HttpCode(202)
  @CheckPolicy('update', 'ChainRun')
  @Audited('chain_run.resume', 'ChainRun')
  @ApiOperation({ summary: 'Resume a paused run with its next step' })
  @ApiAcceptedResponse({ type: ChainRunResponse })
  @ApiErrors(401, 403, 404, 409)
  resume(@Param('runId') runId: string): Promise<ChainRunResponse> {
    return this.runs.resume(runId);
  }

  @Post(':runId/cancel')
  @HttpCode(200)
  @CheckPolicy('update', 'ChainRun')
  @Audited('chain_run.cancel', 'ChainRun')
  @ApiOperation({ summary: 'Cancel a pending, running or paused run' })
  @ApiOkResponse({ type: ChainRunResponse })
  @ApiErrors(401, 403, 404, 409)
  cancel(@Param('runId') runId: string): Promise<ChainRunResponse> {
    return this.runs.cancel(runId);
  }

  @Post(':runId/retry')
  @HttpCode(202)
  @CheckPolicy('update', 'ChainRun')
  @Audited('chain_run.retry', 'ChainRun')
  @ApiOperation({ summary: 'Run a failed run again from the step that failed it' })
  @ApiAcceptedResponse({ type: ChainRunResponse })
  @ApiErrors(401, 403, 404, 409)
  retry(@Param('runId') runId: string): Promise<ChainRunResponse> {
    return this.runs.retry(runId);
  }
}

/**
 * The seed's /api/execution-chains/runs/{runId}... and /api/v1/chains/runs/{runId}...: the same handlers, kept for
 * existing clients. Not documented: in OpenAPI `/chains/runs/{runId}` and `/chains/{id}/activate` match the same
 * paths (the router tells them apart, as `runs` is never a chain id).
 */
@ApiExcludeController()
@Controller(['api/execution-chains/runs', 'api/v1/chains/runs'])
export class ChainRunSeedPathsController extends ChainRunController {}
