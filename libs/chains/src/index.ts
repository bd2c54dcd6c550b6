// The public surface of @conduit/chains: only what other packages use. Everything else is internal.
export { ChainTrigger } from './chain-trigger';
export { ChainsApiModule } from './chains-api.module';
export { ChainsModule } from './chains.module';
// For the transfer import: chains are created and updated through the service, with the routes' bodies.
export { ChainsService } from './chains.service';
export { CreateChainDto, UpdateChainDto } from './dto/chain.dto';
