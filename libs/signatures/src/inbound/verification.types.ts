// What inbound verification takes and returns; each provider's verifier shares these shapes.

export type InboundProvider =
  'stripe' | 'github' | 'standard_webhooks' | 'hmac' | 'jwt_hmac' | 'api_key' | 'basic' | 'none';

export const INBOUND_PROVIDERS: readonly InboundProvider[] = [
  'stripe',
  'github',
  'standard_webhooks',
  'hmac',
  'jwt_hmac',
  'api_key',
  'basic',
  'none',
];

export const DEFAULT_TOLERANCE_SECONDS = 300;

export interface VerificationInput {
  provider: InboundProvider;
  /** Exactly as received: signatures cover these bytes, never a re-serialised body. */
  rawBody: Buffer;
  /** Lower-cased names. */
  headers: Record<string, string | undefined>;
  /** Current first, then previous (during rotation); empty for 'none'. */
  secrets: string[];
  /** For jwt_hmac claim checks. */
  sourceId: string;
  tenantId: string;
  now: Date;
  /** Allowed clock difference in either direction; default 300. */
  toleranceSeconds?: number;
}

/** `*_missing`: the header is absent or unreadable; `*_invalid`: it is present and does not verify. */
export type VerificationFailure =
  | 'signature_missing'
  | 'signature_invalid'
  | 'timestamp_missing'
  | 'timestamp_out_of_tolerance'
  | 'token_missing'
  | 'token_invalid'
  | 'credentials_missing'
  | 'credentials_invalid';

export type VerificationResult =
  | { ok: true; /** Which secret matched: 0 current, 1 previous. */ secretIndex: number }
  | { ok: false; reason: VerificationFailure; message: string };
