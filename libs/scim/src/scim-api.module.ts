import { Module } from '@nestjs/common';
import { ScimDiscoveryController } from './http/scim-discovery.controller';
import { ScimGroupsController } from './http/scim-groups.controller';
import { ScimTokenGuard } from './http/scim-token.guard';
import { ScimTokenStrategy } from './http/scim-token.strategy';
import { ScimTokensController } from './http/scim-tokens.controller';
import { ScimUsersController } from './http/scim-users.controller';
import { ScimModule } from './scim.module';

/** SCIM's routes, for apps/api: token management under /api/v1/scim/tokens, the protocol under /scim/v2. */
@Module({
  imports: [ScimModule],
  controllers: [ScimTokensController, ScimDiscoveryController, ScimUsersController, ScimGroupsController],
  providers: [ScimTokenStrategy, ScimTokenGuard],
})
export class ScimApiModule {}
