import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { sourceSecretProblem } from './source-secrets';
import { generateWebhookSecret } from '@conduit/signatures';

describe('sourceSecretProblem', () => {
  const b64 = (bytes: number) => randomBytes(bytes).toString('base64');

  it.each([
    ['stripe', 'whsec_from_the_stripe_dashboard'],
    ['standard_webhooks', generateWebhookSecret()],
    ['standard_webhooks', 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'],
    ['standard_webhooks', b64(24)],
    ['standard_webhooks', `whsec_${b64(64)}`],
    ['jwt_hmac', 'k'.repeat(32)],
    ['basic', 'user:password'],
    ['api_key', 'a-very-long-api-key-value'],
    ['api_key', 'inner spaces are sent as is'],
    ['github', "It's a Secret to Everybody"],
    ['hmac', ' anything goes for an HMAC key '],
  ] as const)('accepts a %s secret %j', (provider, secret) => {
    expect(sourceSecretProblem(provider, secret)).toBeNull();
  });

  it.each([
    ['stripe', 'sk_live_0123456789', /whsec_/],
    ['standard_webhooks', 'whsec_!!!!!!!!', /base64/],
    ['standard_webhooks', `whsec_${randomBytes(32).toString('base64url')}`, /base64/],
    ['standard_webhooks', `whsec_${b64(32).replace(/=+$/, '')}`, /base64/],
    ['standard_webhooks', `whsec_${b64(16)}`, /at least 24 bytes \(this one has 16\)/],
    ['jwt_hmac', 'too-short-key', /at least 32 bytes/],
    ['basic', 'no-colon-here', /user:password/],
    ['api_key', ' leading-space', /printable ASCII/],
    ['api_key', 'trailing-space ', /printable ASCII/],
    ['api_key', 'clé-accentuée', /printable ASCII/],
    ['api_key', 'tab\tinside', /printable ASCII/],
    ['none', 'anything-at-all', /no secret/],
  ] as const)('refuses a %s secret %j', (provider, secret, message) => {
    expect(sourceSecretProblem(provider, secret)).toMatch(message);
  });

  it('accepts exactly the Standard Webhooks secrets the reference library can load', () => {
    for (const secret of [`whsec_${b64(24)}`, b64(40), 'whsec_YWJj', 'whsec_YQ', 'whsec_a-b_']) {
      const loads = (() => {
        try {
          return typeof new Webhook(secret).verify === 'function';
        } catch {
          return false;
        }
      })();
      if (sourceSecretProblem('standard_webhooks', secret) === null) expect(loads).toBe(true);
    }
  });
});
