// Chain runs at the seed's paths (/api/execution-chains/...) and their canonical aliases (/api/v1/chains/...).
import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBearerAuth,
  ApiBody,
  ApiOkResponse,
  ApiOperation,
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

  @Get('runs/:runId')
  @CheckPolicy('read', 'ChainRun')
  @ApiOperation({ summary: 'Get a run with every step run (request payloads with credentials as [REDACTED])' })
  @ApiOkResponse({ type: ChainRunDetailResponse })
  @ApiErrors(401, 403, 404)
  get(@Param('runId') runId: string): Promise<ChainRunDetailResponse> {
    return this.runs.get(runId);
  }

  @Post('runs/:runId/resume')
  @HttpCode(202)
  @CheckPolicy('update', 'ChainRun')
  @Audited('chain_run.resume', 'ChainRun')
  @ApiOperation({ summary: 'Resume a paused run with its next step' })
  @ApiAcceptedResponse({ type: ChainRunResponse })
  @ApiErrors(401, 403, 404, 409)
  resume(@Param('runId') runId: string): Promise<ChainRunResponse> {
    return this.runs.resume(runId);
  }

  @Post('runs/:runId/cancel')
  @HttpCode(200)
  @CheckPolicy('update', 'ChainRun')
  @Audited('chain_run.cancel', 'ChainRun')
  @ApiOperation({ summary: 'Cancel a pending, running or paused run' })
  @ApiOkResponse({ type: ChainRunResponse })
  @ApiErrors(401, 403, 404, 409)
  cancel(@Param('runId') runId: string): Promise<ChainRunResponse> {
    return this.runs.cancel(runId);
  }

  @Post('runs/:runId/retry')
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
