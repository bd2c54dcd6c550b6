// The public surface of @conduit/tenants: only what other packages use. Everything else is internal.
export { CreationChecks } from './creation-checks';
export type { CreationCheck } from './creation-checks';
export { ListQueryDto } from './dto/tenant.dto';
export { TenantEntity } from './entities/tenant.entity';
export { UserEntity } from './entities/user.entity';
export { OperatorService, PLATFORM_TENANT_CODE } from './operator.service';
export { TenantHierarchy } from './tenant-hierarchy';
export type { TenantNode } from './repositories/tenants.repository';
export { TenantScope } from './tenant-scope';
export { TenantsApiModule } from './tenants-api.module';
export { TenantsModule } from './tenants.module';
export type { Membership, MembershipRow } from './repositories/users.repository';
export { toMembership } from './repositories/users.repository';
export { UserAccounts } from './user-accounts';
export type { MembershipChanges, ProvisionedMember } from './user-accounts';
export type { MembershipSource, MembershipStatus } from './entities/membership.entity';
