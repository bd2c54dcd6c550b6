// The public surface of @conduit/access: only what other packages use. Everything else is internal.
export { buildAbility } from './ability.factory';
export { AccessModule } from './access.module';
export { KNOWN_SCOPES, NOTHING, registerAccess } from './access-registry';
export type { DomainAccess, Grant, Grantee, Rules } from './access-registry';
export { AccessException, AccessService } from './access.service';
export { KnownScopes, scopeAllows } from './api-key-scopes';
export { MetricsEndpoint } from './metrics-endpoint';
export {
  Authenticated,
  CheckPolicy,
  PUBLIC_OPERATION_EXTENSION,
  PUBLIC_ROUTE,
  Public,
  ROUTE_POLICY,
} from './policy.decorators';
export type { RoutePolicy } from './policy.decorators';
export { IDENTITY_KEY } from './principal';
export type { Principal, RequestIdentity, TenantRef } from './principal';
export { ROLES, isRole, roleAtLeast } from './roles';
export type { Role } from './roles';
export type { Action, Subject, SubjectFields, SubjectRegistry } from './subjects';
