import { Controller, Get, Header, Param } from '@nestjs/common';
import { SCIM_CONTENT_TYPE, ScimError } from '../scim-error';
import { listOf, resourceTypes, schemas, serviceProviderConfig } from '../scim-discovery';
import { ScimTokensService } from '../scim-tokens.service';
import { ScimController } from './scim-controller.decorators';

/** What identity providers probe first (they send the SCIM token here too). */
@ScimController()
@Controller('scim/v2')
export class ScimDiscoveryController {
  constructor(private readonly tokens: ScimTokensService) {}

  @Get('ServiceProviderConfig')
  @Header('content-type', SCIM_CONTENT_TYPE)
  config() {
    return serviceProviderConfig(this.tokens.baseUrl());
  }

  @Get('ResourceTypes')
  @Header('content-type', SCIM_CONTENT_TYPE)
  resourceTypes() {
    return listOf(resourceTypes(this.tokens.baseUrl()));
  }

  @Get('ResourceTypes/:id')
  @Header('content-type', SCIM_CONTENT_TYPE)
  resourceType(@Param('id') id: string) {
    const found = resourceTypes(this.tokens.baseUrl()).find((r) => r.id === id);
    if (!found) throw new ScimError(404, `Resource type ${id.slice(0, 100)} not found`);
    return found;
  }

  @Get('Schemas')
  @Header('content-type', SCIM_CONTENT_TYPE)
  schemas() {
    return listOf(schemas(this.tokens.baseUrl()));
  }

  @Get('Schemas/:id')
  @Header('content-type', SCIM_CONTENT_TYPE)
  schema(@Param('id') id: string) {
    const found = schemas(this.tokens.baseUrl()).find((s) => s.id === id);
    if (!found) throw new ScimError(404, `Schema ${id.slice(0, 100)} not found`);
    return found;
  }
}
