// The seed's catalogue endpoints at their documented paths (seed 002, "Application Management Endpoints"), over the
// same service as /api/v1/integrations.
import { Body, Controller, Delete, Get, HttpCode, Param, Post, Req } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiConsumes,
  ApiOkResponse,
  ApiOperation,
  ApiSecurity,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { AccessService, CheckPolicy } from '@conduit/access';
import { Audited } from '@conduit/audit';
import { ApiErrors } from '@conduit/platform';
import { TenantScope } from '@conduit/tenants';
import {
  DeleteAppDto,
  DeleteAppResponse,
  GenericAppFormDto,
  GenericAppResponse,
  IntegrationNameResponse,
} from '../dto/seed.dto';
import { IntegrationResponse } from '../dto/integration.dto';
import { InstanceResponse } from '../instances/instance.dto';
import { InstancesService } from '../instances/instances.service';
import { IntegrationsService } from '../integrations.service';
import { acceptLogo } from '../logos/logo-content';
import { readForm } from './multipart-form';
import { parseGenericAppForm } from './seed-form';

@ApiTags('catalogue (seed paths)')
@ApiBearerAuth('bearer')
@ApiSecurity('api_key')
@Controller('apps/v1')
export class SeedAppsController {
  constructor(
    private readonly integrations: IntegrationsService,
    private readonly instances: InstancesService,
    private readonly scope: TenantScope,
    private readonly access: AccessService,
  ) {}

  @Post('app/generic')
  @HttpCode(200)
  @CheckPolicy('update', 'Integration')
  @Audited('integration.upsert', 'Integration')
  @ApiOperation({
    summary: 'Create or update a generic application (integration) from a multipart form, with an optional logo',
    description:
      'integration_id 0 or absent creates (409 integration_name_exists when the title is taken; licence quota ' +
      '`integrations`), otherwise updates that integration_id. JSON-valued parts: fields, metadata. ' +
      'add_instance=true also creates an instance of it from the `instance` part (JSON: base_url, fields values, auth, ' +
      '... as POST /api/v1/instances; title defaults to the app’s), in the same transaction, the licence quota ' +
      '`instances` checked first; the answer adds instance_id and the instance (secrets as { "set": true }). ' +
      'The logo is checked like PUT /api/v1/integrations/{id}/logo.',
  })
  @ApiConsumes('multipart/form-data')
  @ApiBody({ type: GenericAppFormDto })
  @ApiOkResponse({ type: GenericAppResponse })
  @ApiErrors(400, 401, 403, 404, 409, 413)
  async upsert(@Req() req: FastifyRequest): Promise<GenericAppResponse> {
    const submitted = await readForm(req);
    const form = await parseGenericAppForm(submitted.fields);
    if (form.tenantCode) this.access.actIn(await this.scope.resolve(form.tenantCode));
    const logo = submitted.logo ? await acceptLogo(submitted.logo) : undefined;
    const create = form.create;
    const save = create
      ? () => this.integrations.create(create, logo)
      : () => this.integrations.updateBySeq(form.integrationId, form.update ?? {}, logo);
    const answer = (integration: IntegrationResponse, instance?: InstanceResponse): GenericAppResponse => ({
      id: integration.id,
      integration_id: integration.integration_id,
      status: create ? 'created' : 'updated',
      message: `Integration ${create ? 'created' : 'updated'}${instance ? ' with an instance' : ''}`,
      integration,
      ...(instance ? { instance_id: instance.instance_id, instance } : {}),
    });
    if (!form.instance) return answer(await save());
    const { saved, instance } = await this.instances.saveWithInstance(save, form.instance);
    return answer(saved, instance);
  }

  @Delete('app')
  @HttpCode(200)
  @CheckPolicy('delete', 'Integration')
  @Audited('integration.delete', 'Integration')
  @ApiOperation({
    summary: 'Delete an application (integration) by integration_id: marks it deleted',
    description:
      'Refused with 409 integration_has_dependents (details: the dependents) while chains or case ingestion use it ' +
      '(not registered yet), unless force. Its tasks and the tenant’s instances of it are marked inactive in the ' +
      'same transaction.',
  })
  @ApiOkResponse({ type: DeleteAppResponse })
  @ApiErrors(400, 401, 403, 404, 409)
  async remove(@Body() dto: DeleteAppDto): Promise<DeleteAppResponse> {
    this.access.actIn(await this.scope.resolve(dto.tenant_code));
    const { integration, dependents } = await this.integrations.removeBySeq(dto.integration_id, dto.force ?? false);
    return {
      integration_id: integration.integration_id,
      status: 'deleted',
      message: 'Integration deleted',
      dependents,
    };
  }

  @Get('integration-name/:tenantCode')
  @CheckPolicy('read', 'Integration')
  @ApiOperation({
    summary: "The tenant's active integrations, including the shared catalogue of the tenants above it",
    description: 'tenantCode: the caller’s tenant or one it administers (else 404 tenant_not_found).',
  })
  @ApiOkResponse({ type: [IntegrationNameResponse] })
  @ApiErrors(401, 403, 404)
  async names(@Param('tenantCode') tenantCode: string): Promise<IntegrationNameResponse[]> {
    this.access.actIn(await this.scope.resolve(tenantCode));
    const rows = await this.integrations.activeCatalogue(this.access.tenant().id);
    return rows.map((r) => ({
      id: r.id,
      integration_id: r.integration_id,
      title: r.title,
      category: r.category,
      version: r.version,
      logo_url: r.logo_url,
      shared_from: r.shared_from,
    }));
  }
}
