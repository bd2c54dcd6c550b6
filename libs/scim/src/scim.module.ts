import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditModule } from '@conduit/audit';
import { AuthModule } from '@conduit/auth';
import { Migrations } from '@conduit/database';
import { SsoModule } from '@conduit/sso';
import { TenantsModule } from '@conduit/tenants';
import './scim.access'; // registers its subject, scope and rules with @conduit/access
import { ScimGroupEntity, ScimGroupMemberEntity } from './entities/scim-group.entity';
import { ScimTokenEntity } from './entities/scim-token.entity';
import { ScimUserEntity } from './entities/scim-user.entity';
import { SCIM_MIGRATIONS } from './migrations';
import { ScimGroupsRepository } from './repositories/scim-groups.repository';
import { ScimTokenLookup } from './repositories/scim-token-lookup';
import { ScimTokensRepository } from './repositories/scim-tokens.repository';
import { ScimUsersRepository } from './repositories/scim-users.repository';
import { ScimAudit } from './scim-audit';
import { ScimGroupsService } from './scim-groups.service';
import { ScimRoleSync } from './scim-role-sync';
import { ScimTokensService } from './scim-tokens.service';
import { ScimUsersService } from './scim-users.service';

/** SCIM 2.0 provisioning: a tenant's SCIM tokens, and users and groups as identity providers push them. */
@Migrations(...SCIM_MIGRATIONS)
@Module({
  imports: [
    TypeOrmModule.forFeature([ScimTokenEntity, ScimUserEntity, ScimGroupEntity, ScimGroupMemberEntity]),
    AuditModule,
    AuthModule,
    SsoModule,
    TenantsModule,
  ],
  providers: [
    ScimTokensRepository,
    ScimTokenLookup,
    ScimUsersRepository,
    ScimGroupsRepository,
    ScimTokensService,
    ScimRoleSync,
    ScimAudit,
    ScimUsersService,
    ScimGroupsService,
  ],
  exports: [ScimTokensService, ScimUsersService, ScimGroupsService, ScimAudit],
})
export class ScimModule {}
