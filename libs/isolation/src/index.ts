// The public surface of @conduit/isolation: the API module and the domain's module.
export { IsolationApiModule, IsolationModule } from './isolation.module';
