export * from './loki-signature';
export * from './private-webhook-token';
export * from './standard-webhooks';
