// The public surface of @conduit/sso: only what other packages use. Everything else is internal.
export { SsoConnectionEntity } from './entities/sso-connection.entity';
export type { AttributeMapping, RoleMapping } from './entities/sso-connection.entity';
export { roleForGroups, roleFromIdentityProvider } from './role-mapping';
export { SsoApiModule } from './sso-api.module';
export { SsoModule } from './sso.module';
export { SSO_MIGRATIONS } from './migrations';
