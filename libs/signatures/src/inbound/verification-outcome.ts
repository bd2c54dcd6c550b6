// Building blocks every verifier shares: results, rotation-aware secret matching, clock tolerance.
import {
  DEFAULT_TOLERANCE_SECONDS,
  VerificationFailure,
  VerificationInput,
  VerificationResult,
} from './verification.types';

export function accepted(secretIndex: number): VerificationResult {
  return { ok: true, secretIndex };
}

/** `message` is shown to the sender: it must never contain a secret, signature or token. */
export function refused(reason: VerificationFailure, message: string): VerificationResult {
  return { ok: false, reason, message };
}

/**
 * Index of the first secret for which `matches` holds, or -1. Every secret is tried even after a
 * match, so the response time does not tell a sender which secret (or how many) exist.
 */
export function matchingSecretIndex(secrets: readonly string[], matches: (secret: string) => boolean): number {
  let found = -1;
  secrets.forEach((secret, index) => {
    if (matches(secret) && found === -1) found = index;
  });
  return found;
}

export function withinTolerance(sentAtMs: number, input: VerificationInput): boolean {
  const toleranceMs = (input.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS) * 1000;
  return Math.abs(input.now.getTime() - sentAtMs) <= toleranceMs;
}

export function toleranceSeconds(input: VerificationInput): number {
  return input.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
}
