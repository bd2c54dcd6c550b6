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
import { ApiErrors } from '@conduit/platform';
import { Audited } from '@conduit/audit';
import { TenantsService } from '../tenants.service';
import {
  CreateTenantDto,
  ListTenantsQueryDto,
  TenantListResponse,
  TenantResponse,
  UpdateTenantDto,
} from '../dto/tenant.dto';

@ApiTags('tenants')
@ApiBearerAuth('bearer')
@ApiSecurity('api_key')
@Controller('api/v1/tenants')
export class TenantsController {
  constructor(private readonly tenants: TenantsService) {}

  @Post()
  @CheckPolicy('create', 'Tenant')
  @Audited('tenant.create', 'Tenant')
  @ApiOperation({ summary: 'Create a tenant (platform admins anywhere, MSSP admins below their tenant)' })
  @ApiCreatedResponse({ type: TenantResponse })
  @ApiErrors(400, 401, 403, 409)
  create(@Body() dto: CreateTenantDto): Promise<TenantResponse> {
    return this.tenants.create(dto);
  }

  @Get()
  @CheckPolicy('read', 'Tenant')
  @ApiOperation({ summary: 'List the tenants you can see' })
  @ApiOkResponse({ type: TenantListResponse })
  @ApiErrors(400, 401)
  list(@Query() query: ListTenantsQueryDto) {
    return this.tenants.list(query);
  }

  @Get(':id')
  @CheckPolicy('read', 'Tenant')
  @ApiOperation({ summary: 'Get a tenant by id or code' })
  @ApiOkResponse({ type: TenantResponse })
  @ApiErrors(401, 404)
  get(@Param('id') id: string): Promise<TenantResponse> {
    return this.tenants.get(id);
  }

  @Patch(':id')
  @CheckPolicy('update', 'Tenant')
  @Audited('tenant.update', 'Tenant')
  @ApiOperation({
    summary: 'Update a tenant (name, status, contact, settings; parent for platform admins)',
    description:
      'Not the status of your own tenant. parent_id null makes the tenant a root; a parent inside its subtree is 400 tenant_parent_cycle. ' +
      'A move is checked against the licence like creating the subtree there: 403 license_feature_unavailable (mssp at the new parent), ' +
      '403 license_quota_exceeded (an allocation it newly falls under), 400 allocation_exceeds_parent (the allocations it carries).',
  })
  @ApiOkResponse({ type: TenantResponse })
  @ApiErrors(400, 401, 403, 404)
  update(@Param('id') id: string, @Body() dto: UpdateTenantDto): Promise<TenantResponse> {
    return this.tenants.update(id, dto);
  }

  @Delete(':id')
  @CheckPolicy('delete', 'Tenant')
  @Audited('tenant.delete', 'Tenant')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete (deactivate) a tenant with no live children; never your own' })
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiErrors(401, 403, 404, 409)
  async remove(@Param('id') id: string): Promise<void> {
    await this.tenants.remove(id);
  }
}
