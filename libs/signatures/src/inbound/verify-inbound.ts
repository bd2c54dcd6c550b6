// One entry point over the per-provider verifiers; pure and synchronous.
import { verifyApiKey } from './api-key-verifier';
import { verifyBasicAuth } from './basic-auth-verifier';
import { verifyGithub } from './github-verifier';
import { verifyLokiHmac } from './loki-hmac-verifier';
import { verifyLokiJwt } from './loki-jwt-verifier';
import { verifyStandardWebhooks } from './standard-webhooks-verifier';
import { verifyStripe } from './stripe-verifier';
import { accepted } from './verification-outcome';
import { VerificationInput, VerificationResult } from './verification.types';

export function verifyInbound(input: VerificationInput): VerificationResult {
  switch (input.provider) {
    case 'stripe':
      return verifyStripe(input);
    case 'github':
      return verifyGithub(input);
    case 'standard_webhooks':
      return verifyStandardWebhooks(input);
    case 'hmac':
      return verifyLokiHmac(input);
    case 'jwt_hmac':
      return verifyLokiJwt(input);
    case 'api_key':
      return verifyApiKey(input);
    case 'basic':
      return verifyBasicAuth(input);
    case 'none':
      // Nothing to match; reported as the current secret so rotation bookkeeping sees nothing outdated.
      return accepted(0);
  }
}
