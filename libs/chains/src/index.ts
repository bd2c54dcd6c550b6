// The public surface of @conduit/chains: only what other packages use. Everything else is internal.
export { ChainTrigger } from './chain-trigger';
export { ChainsApiModule } from './chains-api.module';
export { ChainsModule } from './chains.module';
// For transfer: chains (steps by reference) and credentials (names and hosts, never values) are read and written
// through the services, with the routes' bodies.
export { ChainsService } from './chains.service';
export { CredentialsService } from './credentials.service';
export { CreateChainDto, UpdateChainDto } from './dto/chain.dto';
export type { ChainResponse, ChainStepResponse, CompensationStepResponse } from './dto/chain.dto';
export type { CredentialResponse } from './dto/credential.dto';
