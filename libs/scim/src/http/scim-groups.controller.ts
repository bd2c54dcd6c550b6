import { Body, Controller, Delete, Get, Header, HttpCode, Param, Patch, Post, Put, Query, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { AuditedByService } from '@conduit/audit';
import { Caller, ScimCaller } from '../scim-caller';
import { SCIM_CONTENT_TYPE } from '../scim-error';
import { ScimGroupResource, ScimListResponse } from '../scim-resources';
import { ScimGroupsService } from '../scim-groups.service';
import { ScimController } from './scim-controller.decorators';

/** RFC 7644 Groups, in the SCIM token's tenant. */
@ScimController()
@Controller('scim/v2/Groups')
export class ScimGroupsController {
  constructor(private readonly groups: ScimGroupsService) {}

  @Post()
  @AuditedByService()
  @HttpCode(201)
  @Header('content-type', SCIM_CONTENT_TYPE)
  async create(
    @Caller() caller: ScimCaller,
    @Body() body: unknown,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ScimGroupResource> {
    const group = await this.groups.create(caller, body);
    void reply.header('location', group.meta.location);
    return group;
  }

  @Get()
  @Header('content-type', SCIM_CONTENT_TYPE)
  list(
    @Caller() caller: ScimCaller,
    @Query() query: Record<string, unknown>,
  ): Promise<ScimListResponse<ScimGroupResource>> {
    return this.groups.list(caller, query);
  }

  @Get(':id')
  @Header('content-type', SCIM_CONTENT_TYPE)
  get(
    @Caller() caller: ScimCaller,
    @Param('id') id: string,
    @Query() query: Record<string, unknown>,
  ): Promise<ScimGroupResource> {
    return this.groups.get(caller, id, query);
  }

  @Put(':id')
  @AuditedByService()
  @Header('content-type', SCIM_CONTENT_TYPE)
  replace(@Caller() caller: ScimCaller, @Param('id') id: string, @Body() body: unknown): Promise<ScimGroupResource> {
    return this.groups.replace(caller, id, body);
  }

  @Patch(':id')
  @AuditedByService()
  @Header('content-type', SCIM_CONTENT_TYPE)
  patch(@Caller() caller: ScimCaller, @Param('id') id: string, @Body() body: unknown): Promise<ScimGroupResource> {
    return this.groups.patch(caller, id, body);
  }

  @Delete(':id')
  @AuditedByService()
  @HttpCode(204)
  async remove(@Caller() caller: ScimCaller, @Param('id') id: string): Promise<void> {
    await this.groups.remove(caller, id);
  }
}
