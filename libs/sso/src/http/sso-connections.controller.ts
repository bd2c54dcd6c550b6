import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query, Req } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiSecurity,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { CheckPolicy } from '@conduit/access';
import { Audited } from '@conduit/audit';
import { RequiresFeature } from '@conduit/licensing';
import { ApiErrors } from '@conduit/platform';
import {
  CreateSsoConnectionDto,
  ListSsoConnectionsQueryDto,
  SsoConnectionListResponse,
  SsoConnectionResponse,
  UpdateSsoConnectionDto,
} from '../dto/sso-connection.dto';
import { SamlConnections } from '../saml/saml-connections';
import { SsoConnectionsService } from '../sso-connections.service';
import { requestOrigin } from './request-origin';

@ApiTags('sso')
@ApiBearerAuth('bearer')
@ApiSecurity('api_key')
@Controller('api/v1/sso/connections')
export class SsoConnectionsController {
  constructor(
    private readonly connections: SsoConnectionsService,
    private readonly saml: SamlConnections,
  ) {}

  @Post()
  @CheckPolicy('create', 'SsoConnection')
  @RequiresFeature('saml')
  @Audited('sso_connection.create', 'SsoConnection')
  @ApiOperation({
    summary: 'Connect an identity provider (SAML): from its metadata XML, or its entity id, SSO URL and certificates',
    description:
      'The connection gets its own SP key pair; its SP metadata is at GET /api/v1/auth/saml/{id}/metadata. ' +
      'role_mapping and default_role never hand out a role above your own (403 role_not_allowed).',
  })
  @ApiCreatedResponse({ type: SsoConnectionResponse })
  @ApiErrors(400, 401, 403, 409)
  create(@Body() dto: CreateSsoConnectionDto, @Req() req: FastifyRequest): Promise<SsoConnectionResponse> {
    return this.connections.create(dto, this.saml.base(requestOrigin(req)));
  }

  @Get()
  @CheckPolicy('read', 'SsoConnection')
  @RequiresFeature('saml')
  @ApiOperation({ summary: "List the tenant's SSO connections" })
  @ApiOkResponse({ type: SsoConnectionListResponse })
  @ApiErrors(400, 401, 403)
  list(@Query() query: ListSsoConnectionsQueryDto, @Req() req: FastifyRequest) {
    return this.connections.list(query, this.saml.base(requestOrigin(req)));
  }

  @Get(':id')
  @CheckPolicy('read', 'SsoConnection')
  @RequiresFeature('saml')
  @ApiOperation({ summary: 'Get an SSO connection (never its private key)' })
  @ApiOkResponse({ type: SsoConnectionResponse })
  @ApiErrors(401, 403, 404)
  get(@Param('id') id: string, @Req() req: FastifyRequest): Promise<SsoConnectionResponse> {
    return this.connections.get(id, this.saml.base(requestOrigin(req)));
  }

  @Patch(':id')
  @CheckPolicy('update', 'SsoConnection')
  @RequiresFeature('saml')
  @Audited('sso_connection.update', 'SsoConnection')
  @ApiOperation({ summary: 'Change an SSO connection (IdP settings, mappings, JIT, IdP-initiated sign-in, enabled)' })
  @ApiOkResponse({ type: SsoConnectionResponse })
  @ApiErrors(400, 401, 403, 404, 409)
  update(
    @Param('id') id: string,
    @Body() dto: UpdateSsoConnectionDto,
    @Req() req: FastifyRequest,
  ): Promise<SsoConnectionResponse> {
    return this.connections.update(id, dto, this.saml.base(requestOrigin(req)));
  }

  @Delete(':id')
  @CheckPolicy('delete', 'SsoConnection')
  @RequiresFeature('saml')
  @Audited('sso_connection.delete', 'SsoConnection')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete an SSO connection; sessions begun through it stay until they end' })
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiErrors(401, 403, 404)
  async remove(@Param('id') id: string): Promise<void> {
    await this.connections.remove(id);
  }
}
