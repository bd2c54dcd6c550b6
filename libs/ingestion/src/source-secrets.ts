import type { InboundProvider } from '@conduit/signatures';

/** Aad binding a sealed source secret to its source. */
export const sourceSecretAad = (sourceId: string) => `inbound-source:${sourceId}:secret`;

const STANDARD_WEBHOOKS_PREFIX = 'whsec_';
/** Padded standard base64, as the reference libraries decode it (they refuse base64url and missing padding). */
const CANONICAL_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
/** The Standard Webhooks specification's smallest key. */
const MIN_STANDARD_WEBHOOKS_KEY_BYTES = 24;
/** RFC 7518 §3.2: an HS256 key is at least as long as the hash. */
const MIN_JWT_KEY_BYTES = 32;
/** A header value as it arrives after HTTP trims it: visible ASCII, inner spaces allowed. */
const HEADER_TOKEN = /^[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?$/;

/**
 * Why a secret could never verify a request of this provider (refused when it is set, so a source does not answer
 * every delivery 401), or null. Secrets are compared as the provider uses them; only what cannot work is refused.
 */
export function sourceSecretProblem(provider: InboundProvider, secret: string): string | null {
  switch (provider) {
    case 'none':
      return 'none sources take no secret: they are not verified (restrict them with allowed_cidrs), so a secret would be ignored';
    case 'stripe':
      return secret.startsWith('whsec_')
        ? null
        : "Stripe signing secrets start with whsec_ (the endpoint's signing secret from the Stripe dashboard, not an API key)";
    case 'standard_webhooks': {
      const encoded = secret.startsWith(STANDARD_WEBHOOKS_PREFIX)
        ? secret.slice(STANDARD_WEBHOOKS_PREFIX.length)
        : secret;
      if (!CANONICAL_BASE64.test(encoded)) {
        return 'Standard Webhooks secrets are whsec_ followed by padded standard base64 (A-Z a-z 0-9 + / and = padding)';
      }
      const bytes = Buffer.from(encoded, 'base64').length;
      return bytes >= MIN_STANDARD_WEBHOOKS_KEY_BYTES
        ? null
        : `Standard Webhooks secrets must encode at least ${MIN_STANDARD_WEBHOOKS_KEY_BYTES} bytes (this one has ${bytes})`;
    }
    case 'jwt_hmac':
      return Buffer.byteLength(secret) >= MIN_JWT_KEY_BYTES
        ? null
        : `jwt_hmac secrets must be at least ${MIN_JWT_KEY_BYTES} bytes`;
    case 'basic':
      return secret.includes(':') ? null : 'basic sources take secret as user:password';
    case 'api_key':
      return HEADER_TOKEN.test(secret)
        ? null
        : 'api_key secrets are sent in a header, so they must be printable ASCII without leading or trailing spaces';
    case 'github':
    case 'hmac':
      return null;
  }
}
