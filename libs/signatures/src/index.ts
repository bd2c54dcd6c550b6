// Every signature scheme Conduit signs or checks, in one place: webhooks out sign with it, webhooks in verify with
// it, chain steps sign like deliveries. Pure functions over bytes, secrets and a clock; no Nest, no database.
export { generateWebhookSecret, signStandardWebhook, verifyStandardWebhook } from './standard-webhooks';
export type { IncomingHeaders, StandardWebhookHeaders, StandardWebhookMessage } from './standard-webhooks';
export { signLoki, verifyLoki } from './loki-signature';
export type { LokiSignatureHeaders } from './loki-signature';
export { issuePrivateWebhookToken, verifyPrivateWebhookToken } from './private-webhook-token';
export type {
  IssuePrivateWebhookTokenInput,
  PrivateWebhookTokenClaims,
  VerifyPrivateWebhookTokenOptions,
} from './private-webhook-token';
export { signGithub } from './inbound/github-verifier';
export { signStripe } from './inbound/stripe-verifier';
export { headerValue } from './inbound/request-headers';
export { verifyInbound } from './inbound/verify-inbound';
export { DEFAULT_TOLERANCE_SECONDS, INBOUND_PROVIDERS } from './inbound/verification.types';
export type {
  InboundProvider,
  VerificationFailure,
  VerificationInput,
  VerificationResult,
} from './inbound/verification.types';
