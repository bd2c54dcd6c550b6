import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Put, Query, Req, Res } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiConsumes,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiSecurity,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CheckPolicy } from '@conduit/access';
import { Audited } from '@conduit/audit';
import { ApiErrors, CommonException } from '@conduit/platform';
import {
  CreateIntegrationDto,
  IntegrationListResponse,
  IntegrationResponse,
  ListIntegrationsQueryDto,
  ForceQueryDto,
  UpdateIntegrationDto,
} from '../dto/integration.dto';
import { IntegrationsService } from '../integrations.service';
import { MAX_LOGO_BYTES } from '../logos/logo-content';
import { readForm } from './multipart-form';

/** Served logos: never sniffed into something else, never run (an SVG is shown, not executed). */
export const LOGO_HEADERS = {
  'x-content-type-options': 'nosniff',
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; sandbox",
  'cache-control': 'private, max-age=300',
};

@ApiTags('integrations')
@ApiBearerAuth('bearer')
@ApiSecurity('api_key')
@Controller('api/v1/integrations')
export class IntegrationsController {
  constructor(private readonly integrations: IntegrationsService) {}

  @Post()
  @CheckPolicy('create', 'Integration')
  @Audited('integration.create', 'Integration')
  @ApiOperation({
    summary: 'Create an integration: its configuration field definitions, metadata, status',
    description:
      'Takes the next integration_id of the tenant and a unit of the licence quota `integrations` ' +
      '(403 license_quota_exceeded when none is left). 409 integration_name_exists when the title is taken; ' +
      '400 invalid_field_definition names each bad field definition.',
  })
  @ApiCreatedResponse({ type: IntegrationResponse })
  @ApiErrors(400, 401, 403, 409)
  create(@Body() dto: CreateIntegrationDto): Promise<IntegrationResponse> {
    return this.integrations.create(dto);
  }

  @Get()
  @CheckPolicy('read', 'Integration')
  @ApiOperation({
    summary: "List the tenant's integrations and those shared with it by the tenants above (shared_from set)",
    description: 'Newest first; deleted ones only with status=deleted (the tenant’s own).',
  })
  @ApiOkResponse({ type: IntegrationListResponse })
  @ApiErrors(400, 401, 403)
  list(@Query() query: ListIntegrationsQueryDto) {
    return this.integrations.list(query);
  }

  @Get(':id')
  @CheckPolicy('read', 'Integration')
  @ApiOperation({ summary: 'Get an integration (its own or a shared one)' })
  @ApiOkResponse({ type: IntegrationResponse })
  @ApiErrors(401, 403, 404)
  get(@Param('id') id: string): Promise<IntegrationResponse> {
    return this.integrations.get(id);
  }

  @Patch(':id')
  @CheckPolicy('update', 'Integration')
  @Audited('integration.update', 'Integration')
  @ApiOperation({
    summary: 'Change an integration (only the owner changes a shared one: 403 integration_not_owned)',
    description:
      'shared: false while tenants below have running instances of it is 409 integration_has_dependents (each ' +
      'such tenant with its number of instances, and the chains and case ingestion using it there, in details) ' +
      'unless force=true, which deactivates those instances.',
  })
  @ApiOkResponse({ type: IntegrationResponse })
  @ApiErrors(400, 401, 403, 404, 409)
  update(
    @Param('id') id: string,
    @Body() dto: UpdateIntegrationDto,
    @Query() query: ForceQueryDto,
  ): Promise<IntegrationResponse> {
    return this.integrations.update(id, dto, undefined, query.force === 'true');
  }

  @Delete(':id')
  @CheckPolicy('delete', 'Integration')
  @Audited('integration.delete', 'Integration')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Delete an integration (soft: status deleted, its title free again)',
    description:
      'Its tasks and instances are marked inactive in the same transaction. 409 integration_has_dependents while a ' +
      'registered dependent (a chain with a task step running one of its tasks, case ingestion) uses it, or, for a ' +
      'shared one, while tenants below have running instances of it (each such tenant with its number of ' +
      'instances, and the chains and case ingestion using it there, in details), unless force=true, which marks ' +
      'them all inactive.',
  })
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiErrors(400, 401, 403, 404, 409)
  async remove(@Param('id') id: string, @Query() query: ForceQueryDto): Promise<void> {
    await this.integrations.remove(id, query.force === 'true');
  }

  @Put(':id/logo')
  @CheckPolicy('update', 'Integration')
  @Audited('integration.logo', 'Integration')
  @ApiOperation({
    summary: 'Set the logo: PNG, JPEG or WebP (recognised by content), or an SVG (sanitised)',
    description:
      `The image as the request body (any Content-Type: the bytes decide), or a multipart form with a \`logo\` file. ` +
      `At most ${MAX_LOGO_BYTES} bytes (413 logo_too_large). Other content: 400 logo_type_not_allowed. An SVG is ` +
      'cleaned with DOMPurify (scripts, event handlers, external references removed); 400 logo_unsafe when nothing ' +
      'of it is left.',
  })
  @ApiConsumes(
    'application/octet-stream',
    'image/png',
    'image/jpeg',
    'image/webp',
    'image/svg+xml',
    'multipart/form-data',
  )
  @ApiBody({ schema: { type: 'string', format: 'binary' } })
  @ApiOkResponse({ type: IntegrationResponse })
  @ApiErrors(400, 401, 403, 404, 413)
  async setLogo(@Param('id') id: string, @Req() req: FastifyRequest): Promise<IntegrationResponse> {
    const body = req.isMultipart() ? (await readForm(req)).logo : req.body;
    if (!Buffer.isBuffer(body))
      throw CommonException.validation('Send the image as the body, or a multipart form with a logo file', [
        { field: 'logo', message: 'missing' },
      ]);
    return this.integrations.setLogo(id, body);
  }

  @Get(':id/logo')
  @CheckPolicy('read', 'Integration')
  @ApiOperation({
    summary: 'The logo, with its real content type (a default SVG when none is set)',
    description:
      "Served with X-Content-Type-Options: nosniff and Content-Security-Policy: default-src 'none'; sandbox.",
  })
  // The image types are the 200's alone: the errors answer the JSON error body like every other route.
  @ApiOkResponse({
    description: 'The image',
    content: Object.fromEntries(
      ['image/png', 'image/jpeg', 'image/webp', 'image/svg+xml'].map((type) => [
        type,
        { schema: { type: 'string', format: 'binary' } },
      ]),
    ),
  })
  @ApiErrors(401, 403, 404)
  async logo(@Param('id') id: string, @Res({ passthrough: true }) reply: FastifyReply): Promise<Buffer> {
    const logo = await this.integrations.logo(id);
    void reply.headers({ ...LOGO_HEADERS, 'content-type': logo.content_type, etag: `"${logo.sha256}"` });
    return logo.body;
  }
}
