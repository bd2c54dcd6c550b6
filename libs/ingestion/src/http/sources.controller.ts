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
import { AccessService, CheckPolicy } from '@conduit/access';
import { TenantScope } from '@conduit/tenants';
import { ApiErrors } from '@conduit/platform';
import { Audited } from '@conduit/audit';
import {
  CreateSourceDto,
  GenerateWebhookDto,
  GeneratedWebhookResponse,
  ListSourcesQueryDto,
  RotateSourceSecretDto,
  SourceListResponse,
  SourceResponse,
  SourceWithSecretResponse,
  UpdateSourceDto,
} from '../dto/source.dto';
import { SourcesService } from '../sources.service';

@ApiTags('sources (webhooks in)')
@ApiBearerAuth('bearer')
@ApiSecurity('api_key')
@Controller()
export class SourcesController {
  constructor(
    private readonly sources: SourcesService,
    private readonly scope: TenantScope,
    private readonly access: AccessService,
  ) {}

  @Post('api/v1/sources')
  @CheckPolicy('create', 'Source')
  @Audited('source.create', 'Source')
  @ApiOperation({ summary: 'Create an inbound source; returns its ingest URL and secret (shown once)' })
  @ApiCreatedResponse({ type: SourceWithSecretResponse })
  @ApiErrors(400, 401, 403)
  create(@Body() dto: CreateSourceDto): Promise<SourceWithSecretResponse> {
    return this.sources.create(dto);
  }

  @Get('api/v1/sources')
  @CheckPolicy('read', 'Source')
  @ApiOperation({ summary: 'List inbound sources (secrets masked)' })
  @ApiOkResponse({ type: SourceListResponse })
  @ApiErrors(400, 401, 403)
  list(@Query() query: ListSourcesQueryDto) {
    return this.sources.list(query);
  }

  @Get('api/v1/sources/:id')
  @CheckPolicy('read', 'Source')
  @ApiOperation({ summary: 'Get an inbound source (secret masked)' })
  @ApiOkResponse({ type: SourceResponse })
  @ApiErrors(401, 403, 404)
  get(@Param('id') id: string): Promise<SourceResponse> {
    return this.sources.get(id);
  }

  @Patch('api/v1/sources/:id')
  @CheckPolicy('update', 'Source')
  @Audited('source.update', 'Source')
  @ApiOperation({ summary: 'Update name, allowed ranges, event-type path, filter, size limit or active flag' })
  @ApiOkResponse({ type: SourceResponse })
  @ApiErrors(400, 401, 403, 404)
  update(@Param('id') id: string, @Body() dto: UpdateSourceDto): Promise<SourceResponse> {
    return this.sources.update(id, dto);
  }

  @Delete('api/v1/sources/:id')
  @CheckPolicy('delete', 'Source')
  @Audited('source.delete', 'Source')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete (deactivate) a source; its received events stay' })
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiErrors(401, 403, 404)
  async remove(@Param('id') id: string): Promise<void> {
    await this.sources.remove(id);
  }

  @Post('api/v1/sources/:id/rotate-secret')
  @HttpCode(200)
  @CheckPolicy('update', 'Source')
  @Audited('source.rotate_secret', 'Source')
  @ApiOperation({ summary: 'New verification secret (returned once); the previous one is accepted for a grace period' })
  @ApiOkResponse({ type: SourceWithSecretResponse })
  @ApiErrors(400, 401, 403, 404)
  rotate(@Param('id') id: string, @Body() dto: RotateSourceSecretDto): Promise<SourceWithSecretResponse> {
    return this.sources.rotateSecret(id, dto.secret, dto.grace_seconds);
  }

  @Post('api/webhooks/generate')
  @CheckPolicy('create', 'Source')
  @Audited('source.create', 'Source')
  @ApiOperation({
    summary: 'Seed API: generate a receive endpoint with its secret token (and auth token when private)',
  })
  @ApiCreatedResponse({ type: GeneratedWebhookResponse })
  @ApiErrors(400, 401, 403, 404)
  async generate(@Body() dto: GenerateWebhookDto): Promise<GeneratedWebhookResponse> {
    if (dto.tenant_id) this.access.actIn(await this.scope.resolve(dto.tenant_id));
    const type = dto.type ?? 'public';
    const source = await this.sources.create({
      name: dto.name ?? `generated-${type}`,
      provider: type === 'private' ? 'jwt_hmac' : 'hmac',
    });
    return {
      id: source.id,
      url: source.receive_url,
      // hmac and jwt_hmac sources always have a secret (only provider none has none).
      secret_token: source.secret ?? '',
      ...(source.auth_token ? { auth_token: source.auth_token } : {}),
      type,
      created_at: source.created_at,
    };
  }
}
