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
import { auditedInstanceChanges } from './instance-audit';
import {
  CreateInstanceDto,
  DeleteInstanceQueryDto,
  InstanceListResponse,
  InstanceResponse,
  ListInstancesQueryDto,
  UpdateInstanceDto,
} from './instance.dto';
import { InstancesService } from './instances.service';

const AUDIT = { changes: auditedInstanceChanges };

@ApiTags('instances')
@ApiBearerAuth('bearer')
@ApiSecurity('api_key')
@Controller('api/v1/instances')
export class InstancesController {
  constructor(private readonly instances: InstancesService) {}

  @Post()
  @CheckPolicy('create', 'Instance')
  @Audited('instance.create', 'Instance', AUDIT)
  @ApiOperation({
    summary: 'Create an instance of an integration (the tenant’s own or a shared one)',
    description:
      'Takes the next instance_id of the tenant and a unit of the licence quota `instances` (403 ' +
      'license_quota_exceeded). Field values are checked against the integration’s definitions and auth against its ' +
      'type: 400 invalid_instance_config naming each field. Secret fields and credentials are sealed and answered as ' +
      '{ "set": true }. 409 instance_title_exists; 404 integration_not_found.',
  })
  @ApiCreatedResponse({ type: InstanceResponse })
  @ApiErrors(400, 401, 403, 404, 409)
  create(@Body() dto: CreateInstanceDto): Promise<InstanceResponse> {
    return this.instances.create(dto);
  }

  @Get()
  @CheckPolicy('read', 'Instance')
  @ApiOperation({ summary: "List the tenant's instances, newest first (deleted ones are not listed)" })
  @ApiOkResponse({ type: InstanceListResponse })
  @ApiErrors(400, 401, 403)
  list(@Query() query: ListInstancesQueryDto) {
    return this.instances.list(query);
  }

  @Get(':id')
  @CheckPolicy('read', 'Instance')
  @ApiOperation({ summary: 'Get an instance (secrets answered as { "set": true })' })
  @ApiOkResponse({ type: InstanceResponse })
  @ApiErrors(401, 403, 404)
  get(@Param('id') id: string): Promise<InstanceResponse> {
    return this.instances.get(id);
  }

  @Patch(':id')
  @CheckPolicy('update', 'Instance')
  @Audited('instance.update', 'Instance', AUDIT)
  @ApiOperation({
    summary: 'Change an instance: omitted values and secrets are kept',
    description:
      'fields merge into the stored values (null removes one); auth of the same type keeps the credentials not sent. ' +
      'A base_url on another host requires every stored secret to be sent again (400 secrets_required_for_new_host ' +
      'naming them); a new path on the same host keeps them.',
  })
  @ApiOkResponse({ type: InstanceResponse })
  @ApiErrors(400, 401, 403, 404, 409)
  update(@Param('id') id: string, @Body() dto: UpdateInstanceDto): Promise<InstanceResponse> {
    return this.instances.update(id, dto);
  }

  @Delete(':id')
  @CheckPolicy('delete', 'Instance')
  @Audited('instance.delete', 'Instance')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Delete an instance (soft: deleted_at set, status inactive; its title free again)',
    description:
      '409 instance_has_dependents (the chains in details) while a chain has a task step running on it, unless ' +
      'force=true.',
  })
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiErrors(400, 401, 403, 404, 409)
  async remove(@Param('id') id: string, @Query() query: DeleteInstanceQueryDto): Promise<void> {
    await this.instances.remove(id, query.force === 'true');
  }
}
