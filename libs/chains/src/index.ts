// The public surface of @conduit/chains: only what other packages use. Everything else is internal.
export { ChainTrigger } from './chain-trigger';
export { ChainsApiModule } from './chains-api.module';
export { ChainsModule } from './chains.module';
