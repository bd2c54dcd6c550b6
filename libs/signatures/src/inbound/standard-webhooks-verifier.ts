// Standard Webhooks: the checks of verifyStandardWebhook, preceded by header checks that name what is wrong.
import { verifyStandardWebhook } from '../standard-webhooks';
import { headerValue } from './request-headers';
import { accepted, matchingSecretIndex, refused, toleranceSeconds, withinTolerance } from './verification-outcome';
import { VerificationInput, VerificationResult } from './verification.types';

export function verifyStandardWebhooks(input: VerificationInput): VerificationResult {
  const { headers } = input;
  if (!headerValue(headers, 'webhook-signature'))
    return refused('signature_missing', 'webhook-signature header is missing');
  // The id is part of the signed content, so without it no signature can verify.
  if (!headerValue(headers, 'webhook-id')) return refused('signature_missing', 'webhook-id header is missing');
  const timestamp = headerValue(headers, 'webhook-timestamp');
  if (!timestamp) return refused('timestamp_missing', 'webhook-timestamp header is missing');
  if (!/^\d{1,12}$/.test(timestamp)) return refused('timestamp_missing', 'webhook-timestamp must be Unix seconds');
  if (!withinTolerance(Number(timestamp) * 1000, input)) {
    return refused('timestamp_out_of_tolerance', 'webhook-timestamp is outside the tolerance window');
  }

  // Headers and clock are known good here, so a false from verifyStandardWebhook means no signature matched.
  const index = matchingSecretIndex(input.secrets, (secret) => {
    try {
      return verifyStandardWebhook(headers, input.rawBody, secret, toleranceSeconds(input), input.now);
    } catch {
      return false; // a stored secret that is not whsec_<base64> cannot match anything
    }
  });
  return index < 0 ? refused('signature_invalid', 'no webhook-signature matches the payload') : accepted(index);
}
