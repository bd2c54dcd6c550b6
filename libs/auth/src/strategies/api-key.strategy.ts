// API keys (X-Api-Key, or a bearer that is one): one round trip reads the key, its tenant and its creator's standing.
import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { Strategy } from 'passport-custom';
import { ApiKeysService } from '../api-keys.service';
import { REGISTERED_ON_OWN_PASSPORT } from './app-passport';
import { HomeIdentity, StrategyRequest, presentedValue } from './presented-credential';

export const API_KEY_STRATEGY = 'api-key';

@Injectable()
export class ApiKeyStrategy extends PassportStrategy(Strategy, API_KEY_STRATEGY) {
  constructor(private readonly apiKeys: ApiKeysService) {
    super();
  }

  /** Every refusal is thrown with its code (and, for a known key, audited by ApiKeysService). */
  async validate(req: StrategyRequest): Promise<HomeIdentity> {
    return this.apiKeys.authenticate(presentedValue(req) ?? '', req.meta);
  }

  getPassportInstance() {
    return REGISTERED_ON_OWN_PASSPORT;
  }
}
