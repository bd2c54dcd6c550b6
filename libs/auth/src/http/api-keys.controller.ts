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
import { ListQueryDto } from '@conduit/tenants';
import { ApiErrors } from '@conduit/platform';
import { Audited } from '@conduit/audit';
import { ApiKeysService } from '../api-keys.service';
import { ApiKeyListResponse, ApiKeyResponse, CreateApiKeyDto, CreatedApiKeyResponse } from '../dto/api-key.dto';

@ApiTags('api-keys')
@ApiBearerAuth('bearer')
@ApiSecurity('api_key')
@Controller('api/v1/api-keys')
export class ApiKeysController {
  constructor(private readonly apiKeys: ApiKeysService) {}

  @Post()
  @CheckPolicy('create', 'ApiKey')
  @Audited('api_key.create', 'ApiKey')
  @ApiOperation({
    summary: 'Create an API key; the key is returned once',
    description:
      'Never above your role. A key creating a key grants only scopes it holds ("x:write" includes "x:read"; "*" only from a key holding "*") ' +
      "and expires no later than itself. A key acts with the lower of its role and its creator's current one, and stops working " +
      '(401 api_key_creator_inactive) while its creator is disabled or no longer has access to its tenant.',
  })
  @ApiCreatedResponse({ type: CreatedApiKeyResponse })
  @ApiErrors(400, 401, 403)
  create(@Body() dto: CreateApiKeyDto): Promise<CreatedApiKeyResponse> {
    return this.apiKeys.create(dto);
  }

  @Get()
  @CheckPolicy('read', 'ApiKey')
  @ApiOperation({ summary: 'List API keys of the acting tenant' })
  @ApiOkResponse({ type: ApiKeyListResponse })
  @ApiErrors(400, 401, 403)
  list(@Query() query: ListQueryDto) {
    return this.apiKeys.list(query);
  }

  @Get(':id')
  @CheckPolicy('read', 'ApiKey')
  @ApiOperation({ summary: 'Get one API key (never the key itself)' })
  @ApiOkResponse({ type: ApiKeyResponse })
  @ApiErrors(401, 403, 404)
  get(@Param('id') id: string): Promise<ApiKeyResponse> {
    return this.apiKeys.get(id);
  }

  @Delete(':id')
  @CheckPolicy('delete', 'ApiKey')
  @Audited('api_key.revoke', 'ApiKey')
  @HttpCode(204)
  @ApiOperation({ summary: 'Revoke an API key' })
  @ApiNoContentResponse({ description: 'Revoked (or already revoked)' })
  @ApiErrors(401, 403, 404)
  async revoke(@Param('id') id: string): Promise<void> {
    await this.apiKeys.revoke(id);
  }
}
