import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditModule } from '@conduit/audit';
import { CreationChecks } from './creation-checks';
import { MembershipEntity } from './entities/membership.entity';
import { TenantEntity } from './entities/tenant.entity';
import { UserEntity } from './entities/user.entity';
import { OperatorService } from './operator.service';
import { TenantsRepository } from './repositories/tenants.repository';
import { UsersRepository } from './repositories/users.repository';
import { TenantHierarchy } from './tenant-hierarchy';
import { TenantsService } from './tenants.service';
import { TenantScope } from './tenant-scope';
import { UserAccounts } from './user-accounts';
import { UsersService } from './users.service';
// Registers the tenants subjects, their API-key scopes and each role's rules with @conduit/access.
import './tenants.access';

@Module({
  imports: [TypeOrmModule.forFeature([TenantEntity, UserEntity, MembershipEntity]), AuditModule],
  providers: [
    TenantsRepository,
    UsersRepository,
    TenantHierarchy,
    TenantsService,
    UsersService,
    OperatorService,
    UserAccounts,
    TenantScope,
    CreationChecks,
  ],
  exports: [TenantHierarchy, TenantsService, UsersService, OperatorService, UserAccounts, TenantScope, CreationChecks],
})
export class TenantsModule {}
