import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiSecurity,
  ApiTags,
} from '@nestjs/swagger';
import { CheckPolicy } from '@conduit/access';
import { Audited } from '@conduit/audit';
import { ApiErrors } from '@conduit/platform';
import { ListTasksQueryDto, TaskDefinitionBody, TaskListResponse, TaskResponse } from '../dto/task.dto';
import { TasksService } from '../tasks.service';

const CHECKS =
  '400 invalid_field_definition names each bad input field; 400 invalid_task_definition lists every problem ' +
  '(details: field, code, message), e.g. unknown_reference for a {{...}} naming no input field, integration field ' +
  'or credential, invalid_json_path, unknown_dependency; 400 task_dependency_cycle when depends_on closes a cycle. ' +
  'Only the integration’s own tenant writes its tasks (403 integration_not_owned for a shared one).';

@ApiTags('tasks')
@ApiBearerAuth('bearer')
@ApiSecurity('api_key')
@Controller('api/v1/integrations/:integrationId/tasks')
export class TasksController {
  constructor(private readonly tasks: TasksService) {}

  @Post()
  @CheckPolicy('create', 'Task')
  @Audited('task.create', 'Task')
  @ApiOperation({
    summary: 'Create a task of the integration (takes the next task_id of the tenant)',
    description: CHECKS,
  })
  @ApiCreatedResponse({ type: TaskResponse })
  @ApiErrors(400, 401, 403, 404, 409)
  create(@Param('integrationId') integrationId: string, @Body() body: TaskDefinitionBody): Promise<TaskResponse> {
    return this.tasks.create({ id: integrationId }, body);
  }

  @Get()
  @CheckPolicy('read', 'Task')
  @ApiOperation({ summary: 'List the integration’s tasks, newest first (deleted ones only with status=deleted)' })
  @ApiOkResponse({ type: TaskListResponse })
  @ApiErrors(400, 401, 403, 404)
  list(@Param('integrationId') integrationId: string, @Query() query: ListTasksQueryDto) {
    return this.tasks.list(integrationId, query);
  }

  @Get(':id')
  @CheckPolicy('read', 'Task')
  @ApiOperation({ summary: 'Get a task' })
  @ApiOkResponse({ type: TaskResponse })
  @ApiErrors(401, 403, 404)
  get(@Param('integrationId') integrationId: string, @Param('id') id: string): Promise<TaskResponse> {
    return this.tasks.get(integrationId, id);
  }

  @Patch(':id')
  @CheckPolicy('update', 'Task')
  @Audited('task.update', 'Task')
  @ApiOperation({
    summary: 'Change a task: the keys sent replace the saved ones, and the result is checked as a whole',
    description: `${CHECKS} A tag other tasks depend on cannot change (tag_in_use).`,
  })
  @ApiOkResponse({ type: TaskResponse })
  @ApiErrors(400, 401, 403, 404, 409)
  update(
    @Param('integrationId') integrationId: string,
    @Param('id') id: string,
    @Body() body: TaskDefinitionBody,
  ): Promise<TaskResponse> {
    return this.tasks.update({ id: integrationId }, id, body);
  }

  @Delete(':id')
  @CheckPolicy('delete', 'Task')
  @Audited('task.delete', 'Task')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Delete a task (soft: status deleted, its tag free again)',
    description: '409 task_has_dependents (details: the tasks) while other tasks depend on it.',
  })
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiErrors(401, 403, 404, 409)
  async remove(@Param('integrationId') integrationId: string, @Param('id') id: string): Promise<void> {
    await this.tasks.remove(integrationId, id);
  }
}
