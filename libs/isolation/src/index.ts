// The public surface of @conduit/isolation: the API module and the domain's module.
export { IsolationApiModule, IsolationModule } from './isolation.module';
// tenant:move (src/cli-move.ts) checks a URL and chooses tables as the isolation route does.
export { describeDatabase, parseDatabaseUrl } from './database-url';
export { IsolationException } from './isolation.exception';
export { isTenantDataTable, mirrorTenantRow } from './repositories/isolation.repository';
