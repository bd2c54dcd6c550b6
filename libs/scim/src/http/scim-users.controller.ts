import { Body, Controller, Delete, Get, Header, HttpCode, Param, Patch, Post, Put, Query, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { AuditedByService } from '@conduit/audit';
import { Caller, ScimCaller } from '../scim-caller';
import { SCIM_CONTENT_TYPE } from '../scim-error';
import { ScimListResponse, ScimUserResource } from '../scim-resources';
import { ScimUsersService } from '../scim-users.service';
import { ScimController } from './scim-controller.decorators';

/** RFC 7644 Users, in the SCIM token's tenant. */
@ScimController()
@Controller('scim/v2/Users')
export class ScimUsersController {
  constructor(private readonly users: ScimUsersService) {}

  @Post()
  @AuditedByService()
  @HttpCode(201)
  @Header('content-type', SCIM_CONTENT_TYPE)
  async create(
    @Caller() caller: ScimCaller,
    @Body() body: unknown,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ScimUserResource> {
    const user = await this.users.create(caller, body);
    void reply.header('location', user.meta.location);
    return user;
  }

  @Get()
  @Header('content-type', SCIM_CONTENT_TYPE)
  list(
    @Caller() caller: ScimCaller,
    @Query() query: Record<string, unknown>,
  ): Promise<ScimListResponse<ScimUserResource>> {
    return this.users.list(caller, query);
  }

  @Get(':id')
  @Header('content-type', SCIM_CONTENT_TYPE)
  get(@Caller() caller: ScimCaller, @Param('id') id: string): Promise<ScimUserResource> {
    return this.users.get(caller, id);
  }

  @Put(':id')
  @AuditedByService()
  @Header('content-type', SCIM_CONTENT_TYPE)
  replace(@Caller() caller: ScimCaller, @Param('id') id: string, @Body() body: unknown): Promise<ScimUserResource> {
    return this.users.replace(caller, id, body);
  }

  @Patch(':id')
  @AuditedByService()
  @Header('content-type', SCIM_CONTENT_TYPE)
  patch(@Caller() caller: ScimCaller, @Param('id') id: string, @Body() body: unknown): Promise<ScimUserResource> {
    return this.users.patch(caller, id, body);
  }

  @Delete(':id')
  @AuditedByService()
  @HttpCode(204)
  async remove(@Caller() caller: ScimCaller, @Param('id') id: string): Promise<void> {
    await this.users.remove(caller, id);
  }
}
