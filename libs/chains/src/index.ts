// The public surface of @conduit/chains: only what other packages use. Everything else is internal.
export { ChainAnalyticsService } from './chain-analytics.service';
export { ChainRunsService } from './chain-runs.service';
export { ChainTrigger } from './chain-trigger';
export { ChainsApiModule } from './chains-api.module';
export { ChainsModule } from './chains.module';
export { ChainsService } from './chains.service';
export { CredentialsService } from './credentials.service';
export { ChainAnalyticsQueryDto, ChainAnalyticsResponse } from './dto/chain-analytics.dto';
export {
  ChainRunDetailResponse,
  ChainRunListResponse,
  ChainRunResponse,
  ExecuteChainDto,
  ExecutedRunResponse,
  ListChainRunsQueryDto,
  ListRunsQueryDto,
} from './dto/chain-run.dto';
export { ChainListResponse, ChainResponse, CreateChainDto, ListChainsQueryDto, UpdateChainDto } from './dto/chain.dto';
export {
  CreateCredentialDto,
  CredentialListResponse,
  CredentialResponse,
  ListCredentialsQueryDto,
  UpdateCredentialDto,
} from './dto/credential.dto';
