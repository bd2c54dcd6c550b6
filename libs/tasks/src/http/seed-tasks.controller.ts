// The seed's task endpoints at their documented paths (seed 002, "/apps/v1/task/..."), over the same service as
// /api/v1/integrations/{id}/tasks. Ids in paths are the tenant's sequence numbers (integration_id, task_id).
import { Body, Controller, Get, HttpCode, Param, ParseIntPipe, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { AccessService, CheckPolicy } from '@conduit/access';
import { Audited } from '@conduit/audit';
import { ApiErrors, JSON_OBJECT } from '@conduit/platform';
import { TenantScope } from '@conduit/tenants';
import {
  OutputFieldResponse,
  SeedTaskBody,
  SeedTaskResponse,
  TaskDeletionCheckResponse,
  ValidateTaskDeletionBody,
} from '../dto/seed.dto';
import { TaskResponse, TaskVerificationResponse } from '../dto/task.dto';
import { TasksService } from '../tasks.service';

const INT = new ParseIntPipe({ errorHttpStatusCode: 404 });

@ApiTags('catalogue (seed paths)')
@ApiBearerAuth('bearer')
@ApiSecurity('api_key')
@Controller('apps/v1/task')
export class SeedTasksController {
  constructor(
    private readonly tasks: TasksService,
    private readonly scope: TenantScope,
    private readonly access: AccessService,
  ) {}

  @Post('generic')
  @HttpCode(200)
  @CheckPolicy('update', 'Task')
  @Audited('task.upsert', 'Task')
  @ApiOperation({
    summary: 'Create or update a task: id 0 or absent creates in integration_id, otherwise updates that task_id',
    description:
      'An update replaces the keys sent and checks the result as a whole. 400 invalid_field_definition, ' +
      'invalid_task_definition (details: field, code, message) or task_dependency_cycle; 404 for an unknown ' +
      'integration or task.',
  })
  @ApiOkResponse({ type: SeedTaskResponse })
  @ApiErrors(400, 401, 403, 404, 409)
  async upsert(@Body() body: SeedTaskBody): Promise<SeedTaskResponse> {
    const { id, integration_id: integrationId, tenant_code: tenantCode, ...definition } = body;
    if (tenantCode) this.access.actIn(await this.scope.resolve(tenantCode));
    const { created, task } = await this.tasks.upsertBySeq(integrationId, id, definition);
    return {
      id: task.id,
      task_id: task.task_id,
      status: created ? 'created' : 'updated',
      message: created ? 'Task created' : 'Task updated',
      task,
    };
  }

  @Get('generic/:tenantCode/:integrationId/:taskId')
  @CheckPolicy('read', 'Task')
  @ApiOperation({ summary: 'The whole task definition, by the integration’s and the task’s numbers' })
  @ApiOkResponse({ type: TaskResponse })
  @ApiErrors(401, 403, 404)
  async get(
    @Param('tenantCode') tenantCode: string,
    @Param('integrationId', INT) integrationId: number,
    @Param('taskId', INT) taskId: number,
  ): Promise<TaskResponse> {
    this.access.actIn(await this.scope.resolve(tenantCode));
    return this.tasks.getBySeq(integrationId, taskId);
  }

  @Post('verify-generic')
  @HttpCode(200)
  @CheckPolicy('read', 'Task')
  @ApiOperation({
    summary: 'Check a task definition without saving it: 200 with { valid, errors } either way',
    description:
      'Input field definitions, every {{input.x}} / {{instance.x}} / {{credentials.x}} reference, dependencies ' +
      '(existing tags, no cycle with the saved tasks), output JSONPaths. id: the task_id being edited, if any.',
  })
  @ApiOkResponse({ type: TaskVerificationResponse })
  @ApiErrors(400, 401, 403, 404)
  async verify(@Body() body: SeedTaskBody): Promise<TaskVerificationResponse> {
    const { id, integration_id: integrationId, tenant_code: tenantCode, ...definition } = body;
    if (tenantCode) this.access.actIn(await this.scope.resolve(tenantCode));
    return this.tasks.verify(integrationId, id, definition);
  }

  @Get('input/:tenantCode/:taskId')
  @CheckPolicy('read', 'Task')
  @ApiOperation({ summary: 'The task’s input as a JSON Schema (draft 2020-12) with its validation rules' })
  @ApiOkResponse({ schema: JSON_OBJECT })
  @ApiErrors(401, 403, 404)
  async input(@Param('tenantCode') tenantCode: string, @Param('taskId', INT) taskId: number) {
    this.access.actIn(await this.scope.resolve(tenantCode));
    return this.tasks.inputSchema(taskId);
  }

  @Get('fields/:tenantCode/:taskId')
  @CheckPolicy('read', 'Task')
  @ApiOperation({ summary: 'The task’s output fields (name, JSONPath, type, is_array)' })
  @ApiOkResponse({ type: [OutputFieldResponse] })
  @ApiErrors(401, 403, 404)
  async fields(
    @Param('tenantCode') tenantCode: string,
    @Param('taskId', INT) taskId: number,
  ): Promise<OutputFieldResponse[]> {
    this.access.actIn(await this.scope.resolve(tenantCode));
    return this.tasks.outputFields(taskId);
  }

  @Get('output-fields/:tenantCode/:taskId')
  @CheckPolicy('read', 'Task')
  @ApiOperation({ summary: 'The task’s array-structured output fields (is_array), for tasks returning lists' })
  @ApiOkResponse({ type: [OutputFieldResponse] })
  @ApiErrors(401, 403, 404)
  async outputFields(
    @Param('tenantCode') tenantCode: string,
    @Param('taskId', INT) taskId: number,
  ): Promise<OutputFieldResponse[]> {
    this.access.actIn(await this.scope.resolve(tenantCode));
    return this.tasks.outputFields(taskId, true);
  }

  @Post('generic-validate')
  @HttpCode(200)
  @CheckPolicy('read', 'Task')
  @ApiOperation({
    summary: 'Can this task be deleted: { deletable, dependents }',
    description: 'Dependents: the other tasks depending on it by tag (chains and case ingestion when they use tasks).',
  })
  @ApiOkResponse({ type: TaskDeletionCheckResponse })
  @ApiErrors(400, 401, 403, 404)
  async validateDeletion(@Body() body: ValidateTaskDeletionBody): Promise<TaskDeletionCheckResponse> {
    if (body.tenant_code) this.access.actIn(await this.scope.resolve(body.tenant_code));
    return this.tasks.deletable(body.integration_id, body.task_id);
  }
}
