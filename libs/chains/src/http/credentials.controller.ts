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
import { ApiErrors, requestMeta } from '@conduit/platform';
import { AuditedByService } from '@conduit/audit';
import { CredentialsService } from '../credentials.service';
import {
  CreateCredentialDto,
  CredentialListResponse,
  CredentialResponse,
  ListCredentialsQueryDto,
  UpdateCredentialDto,
} from '../dto/credential.dto';

// Write routes audit through the service, which records the change with the value masked.
@ApiTags('credentials')
@ApiBearerAuth('bearer')
@ApiSecurity('api_key')
@Controller('api/v1/credentials')
export class CredentialsController {
  constructor(private readonly credentials: CredentialsService) {}

  @Post()
  @CheckPolicy('create', 'Credential')
  @AuditedByService()
  @ApiOperation({
    summary:
      'Store a named secret for chain templates ({{credentials.<name>}}), usable only towards its allowed_hosts; ' +
      'the value is never returned',
  })
  @ApiCreatedResponse({ type: CredentialResponse })
  @ApiErrors(400, 401, 403, 409)
  create(@Body() dto: CreateCredentialDto, @Req() req: FastifyRequest): Promise<CredentialResponse> {
    return this.credentials.create(dto, requestMeta(req));
  }

  @Get()
  @CheckPolicy('read', 'Credential')
  @ApiOperation({ summary: 'List credentials (names and descriptions only)' })
  @ApiOkResponse({ type: CredentialListResponse })
  @ApiErrors(400, 401, 403)
  list(@Query() query: ListCredentialsQueryDto) {
    return this.credentials.list(query);
  }

  @Get(':id')
  @CheckPolicy('read', 'Credential')
  @ApiOperation({ summary: 'Get a credential (never its value)' })
  @ApiOkResponse({ type: CredentialResponse })
  @ApiErrors(401, 403, 404)
  get(@Param('id') id: string): Promise<CredentialResponse> {
    return this.credentials.get(id);
  }

  @Patch(':id')
  @CheckPolicy('update', 'Credential')
  @AuditedByService()
  @ApiOperation({ summary: 'Rotate the value, or change the description or the allowed hosts' })
  @ApiOkResponse({ type: CredentialResponse })
  @ApiErrors(400, 401, 403, 404)
  update(
    @Param('id') id: string,
    @Body() dto: UpdateCredentialDto,
    @Req() req: FastifyRequest,
  ): Promise<CredentialResponse> {
    return this.credentials.update(id, dto, requestMeta(req));
  }

  @Delete(':id')
  @HttpCode(204)
  @CheckPolicy('delete', 'Credential')
  @AuditedByService()
  @ApiOperation({ summary: 'Delete a credential; steps that use it fail until it exists again' })
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiErrors(401, 403, 404)
  async remove(@Param('id') id: string, @Req() req: FastifyRequest): Promise<void> {
    await this.credentials.remove(id, requestMeta(req));
  }
}
