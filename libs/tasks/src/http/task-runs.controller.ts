import { Body, Controller, Get, HttpCode, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBearerAuth, ApiOkResponse, ApiOperation, ApiSecurity, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AccessService, CheckPolicy } from '@conduit/access';
import { AuditSpec, Audited, AuditedInHandler, requestAuditEntry } from '@conduit/audit';
import { OwnTransactions } from '@conduit/database';
import { ApiErrors, REDACTED } from '@conduit/platform';
import { InstanceHealthChecker } from '../engine/instance-health';
import {
  InstanceTestResponse,
  ListTaskRunsQueryDto,
  StartTaskRunDto,
  StartTaskRunQueryDto,
  TaskRunListResponse,
  TaskRunResponse,
} from '../dto/task-run.dto';
import { TaskRunsService } from '../task-runs.service';

/**
 * A refused run's row (written by the interceptor) keeps the input's field names only: which of them are secret is
 * the task's to say, and it may not have been found. An accepted run's row masks the task's secret fields.
 */
const RUN_AUDIT: AuditSpec = {
  action: 'task_run.create',
  target: 'TaskRun',
  changes: (body) => ({
    input:
      typeof body.input === 'object' && body.input !== null && !Array.isArray(body.input)
        ? Object.fromEntries(Object.keys(body.input).map((k) => [k, REDACTED]))
        : null,
  }),
};

@ApiTags('task-runs')
@ApiBearerAuth('bearer')
@ApiSecurity('api_key')
@Controller('api/v1')
export class TaskRunsController {
  constructor(
    private readonly runs: TaskRunsService,
    private readonly health: InstanceHealthChecker,
    private readonly access: AccessService,
  ) {}

  @Post('instances/:instanceId/tasks/:taskTag/runs')
  // The run is committed (and queued) before ?wait starts waiting for the worker, with its audit row.
  @OwnTransactions()
  @CheckPolicy('create', 'TaskRun')
  @AuditedInHandler(RUN_AUDIT.action, RUN_AUDIT.target, { changes: RUN_AUDIT.changes })
  @ApiOperation({
    summary: 'Run a task on an instance',
    description:
      'Checks the input against the task’s input schema (400 invalid_task_input with a detail per field), writes ' +
      'the run and answers 202 with it; the worker runs its dependencies, then the task. With ?wait=N (at most 60) ' +
      'the answer waits for the end of the run: 200 with the finished run, or 202 when it is still going at the ' +
      'deadline. 404 instance_not_found / task_not_found; 409 instance_not_runnable (inactive or in maintenance), ' +
      'task_not_runnable (not active).',
  })
  @ApiAcceptedResponse({ type: TaskRunResponse, description: 'Queued or still running' })
  @ApiOkResponse({ type: TaskRunResponse, description: 'Finished within ?wait' })
  @ApiErrors(400, 401, 403, 404, 409)
  async start(
    @Param('instanceId') instanceId: string,
    @Param('taskTag') taskTag: string,
    @Body() body: StartTaskRunDto,
    @Query() query: StartTaskRunQueryDto,
    @Req() req: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<TaskRunResponse> {
    // Recorded as accepted (202): the row is written when the run is, before any ?wait.
    const audit = requestAuditEntry(this.access.identity(), req, RUN_AUDIT, 202, null);
    const { run, finished } = await this.runs.start(instanceId, taskTag, body, query.wait ?? 0, audit);
    reply.status(finished ? 200 : 202);
    return run;
  }

  @Post('instances/:instanceId/test')
  @HttpCode(200)
  // The check is an outbound exchange: no request transaction is held open meanwhile.
  @OwnTransactions()
  @CheckPolicy('create', 'TaskRun')
  @Audited('instance.test', 'Instance')
  @ApiOperation({
    summary: 'Run the instance’s health check now',
    description:
      'Runs health_check (its task by tag, recorded as a task run with source health_check, or a GET of its path ' +
      'with the instance’s auth), records the result on the instance like a scheduled check (failures counted, ' +
      'instance.unhealthy / instance.recovered published on a transition) and answers it. 409 ' +
      'health_check_not_configured when the instance has none.',
  })
  @ApiOkResponse({ type: InstanceTestResponse })
  @ApiErrors(401, 403, 404, 409)
  async test(@Param('instanceId') instanceId: string): Promise<InstanceTestResponse> {
    const tenantId = this.access.tenant().id;
    const { result, health } = await this.health.checkNow(tenantId, instanceId);
    return {
      ...result,
      health_status: health?.health_status ?? 'unknown',
      consecutive_failures: health?.health_failures ?? 0,
      instance_status: health?.status ?? 'inactive',
    };
  }

  @Get('task-runs')
  @CheckPolicy('read', 'TaskRun')
  @ApiOperation({ summary: 'Execution history: task runs, newest first' })
  @ApiOkResponse({ type: TaskRunListResponse })
  @ApiErrors(400, 401, 403)
  list(@Query() query: ListTaskRunsQueryDto): Promise<TaskRunListResponse> {
    return this.runs.list(query);
  }

  @Get('task-runs/:id')
  @CheckPolicy('read', 'TaskRun')
  @ApiOperation({
    summary: 'A task run: status, attempts with request and response excerpts (masked), outputs, errors',
  })
  @ApiOkResponse({ type: TaskRunResponse })
  @ApiErrors(401, 403, 404)
  get(@Param('id') id: string): Promise<TaskRunResponse> {
    return this.runs.get(id);
  }

  @Post('task-runs/:id/cancel')
  @HttpCode(200)
  @CheckPolicy('update', 'TaskRun')
  @Audited('task_run.cancel', 'TaskRun')
  @ApiOperation({
    summary: 'Cancel a queued or running run',
    description: 'A running run’s request is aborted by its worker within about a second. 409 task_run_finished.',
  })
  @ApiOkResponse({ type: TaskRunResponse })
  @ApiErrors(401, 403, 404, 409)
  cancel(@Param('id') id: string): Promise<TaskRunResponse> {
    return this.runs.cancel(id);
  }
}
