import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
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
import { ListQueryDto } from '@conduit/tenants';
import { CreateScimTokenDto, CreatedScimTokenResponse, ScimTokenListResponse } from '../dto/scim-token.dto';
import { ScimTokensService } from '../scim-tokens.service';

@ApiTags('scim')
@ApiBearerAuth('bearer')
@ApiSecurity('api_key')
@Controller('api/v1/scim/tokens')
export class ScimTokensController {
  constructor(private readonly tokens: ScimTokensService) {}

  @Post()
  @CheckPolicy('create', 'ScimToken')
  @Audited('scim_token.create', 'ScimToken')
  @ApiOperation({
    summary: 'Create a SCIM token for an identity provider; the token is returned once',
    description:
      'The identity provider calls `/scim/v2` (base_url) with `Authorization: Bearer <token>` and provisions users and ' +
      "groups in this tenant; groups map to roles through the SSO connection's role_mapping and default_role. " +
      'Stored as a SHA-256 hash. See docs/scim.md.',
  })
  @ApiCreatedResponse({ type: CreatedScimTokenResponse })
  @ApiErrors(400, 401, 403, 404)
  create(@Body() dto: CreateScimTokenDto): Promise<CreatedScimTokenResponse> {
    return this.tokens.create(dto);
  }

  @Get()
  @CheckPolicy('read', 'ScimToken')
  @ApiOperation({ summary: "List the tenant's SCIM tokens (never the tokens themselves)" })
  @ApiOkResponse({ type: ScimTokenListResponse })
  @ApiErrors(400, 401, 403)
  list(@Query() query: ListQueryDto) {
    return this.tokens.list(query);
  }

  @Delete(':id')
  @CheckPolicy('delete', 'ScimToken')
  @Audited('scim_token.revoke', 'ScimToken')
  @HttpCode(204)
  @ApiOperation({ summary: 'Revoke a SCIM token: the identity provider is refused from its next request' })
  @ApiNoContentResponse({ description: 'Revoked (or already revoked)' })
  @ApiErrors(401, 403, 404)
  async revoke(@Param('id') id: string): Promise<void> {
    await this.tokens.revoke(id);
  }
}
