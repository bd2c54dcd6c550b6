import { createHash } from 'node:crypto';

/**
 * What audit rows keep of a licence token: enough to tell which one it was (its start and the SHA-256 of the whole,
 * which matches the licences table's token), never the token whole.
 */
export function licenseFingerprint(token: unknown): Record<string, unknown> {
  if (typeof token !== 'string') return { license: null };
  return {
    license: `${token.slice(0, 16)}... (${token.length} characters)`,
    license_sha256: createHash('sha256').update(token).digest('hex'),
  };
}
