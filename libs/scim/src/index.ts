// The public surface of @conduit/scim: only what other packages use. Everything else is internal.
export { ScimApiModule } from './scim-api.module';
export { ScimModule } from './scim.module';
export { isScimRequest, mapScimError, sendScimError } from './http/scim-exception.filter';
export { SCIM_MIGRATIONS } from './migrations';
