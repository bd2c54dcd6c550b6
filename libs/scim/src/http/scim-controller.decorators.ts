import { UseFilters, UseGuards, applyDecorators } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Public } from '@conduit/access';
import { ScimExceptionFilter } from './scim-exception.filter';
import { ScimTokenGuard } from './scim-token.guard';

/**
 * A /scim/v2 controller: no JWT or API key (@Public() to the app's guard), a SCIM token instead (ScimTokenGuard,
 * running the 'scim-token' passport strategy), and SCIM's error schema (ScimExceptionFilter). Left out of the OpenAPI
 * document: SCIM describes itself at /scim/v2/ServiceProviderConfig, /ResourceTypes and /Schemas, and its answers and
 * errors follow RFC 7644 rather than Conduit's conventions (docs/scim.md).
 */
export const ScimController = () =>
  applyDecorators(Public(), UseGuards(ScimTokenGuard), UseFilters(ScimExceptionFilter), ApiExcludeController());
