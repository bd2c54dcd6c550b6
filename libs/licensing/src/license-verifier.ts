// Verifying a licence: a compact JWS signed with EdDSA (Ed25519) by a key the installation trusts, whose claims have
// the right shape, and, when it is installed, which is in its validity window and meant for this installation. Each
// refusal has its own code (licensing.exception.ts); none changes anything.
import { Injectable } from '@nestjs/common';
import { compactVerify, decodeProtectedHeader, errors } from 'jose';
import { parseClaims } from './license-claims';
import { LicenseKeyring } from './license-keys';
import { LicenseClaims } from './license-terms';
import { LicensingException } from './licensing.exception';

/** The only algorithm a licence may be signed with. */
export const LICENSE_ALG = 'EdDSA';
/** Longer tokens are not licences (one with every claim is well under 2 KiB). */
export const MAX_LICENSE_LENGTH = 16 * 1024;
/** A licence is taken this long before its nbf: the vendor's clock and the installation's never agree exactly. */
export const NBF_TOLERANCE_SECONDS = 300;

const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

export interface VerifiedLicense {
  claims: LicenseClaims;
  /** the key it was signed with */
  kid: string;
}

export interface InstallContext {
  now: Date;
  /** the latest time the installation has seen: a licence expired by then is expired, whatever the clock says */
  latestSeenAt: Date;
  installationId: string;
}

@Injectable()
export class LicenseVerifier {
  constructor(private readonly keyring: LicenseKeyring) {}

  /** Everything installing checks: signature, key, claims, installation, nbf and exp. */
  async verify(token: string, context: InstallContext): Promise<VerifiedLicense> {
    const verified = await this.authenticate(token);
    const { claims } = verified;
    if (claims.installation_id && claims.installation_id !== context.installationId) {
      throw new LicensingException('license_installation_mismatch', 'This licence is for another installation', [
        {
          field: 'installation_id',
          message: `licence: ${claims.installation_id}; this installation: ${context.installationId}`,
        },
      ]);
    }
    const nowSeconds = Math.floor(context.now.getTime() / 1000);
    if (claims.nbf > nowSeconds + NBF_TOLERANCE_SECONDS) {
      throw new LicensingException('license_not_yet_valid', 'This licence is not valid yet', [
        { field: 'nbf', message: `valid from ${isoSeconds(claims.nbf)}` },
      ]);
    }
    const reference = Math.max(nowSeconds, Math.floor(context.latestSeenAt.getTime() / 1000));
    if (claims.exp <= reference) {
      throw new LicensingException('license_expired', 'This licence has expired', [
        { field: 'exp', message: `expired at ${isoSeconds(claims.exp)}` },
      ]);
    }
    return verified;
  }

  /**
   * The signature (by a key of this installation) and the claims' shape, nothing that depends on time: what a stored
   * licence is checked with again when a process loads it.
   */
  async authenticate(token: string): Promise<VerifiedLicense> {
    if (typeof token !== 'string' || token.length > MAX_LICENSE_LENGTH || !COMPACT_JWS.test(token)) {
      throw malformed('A licence is a compact JWS: three base64url parts separated by dots');
    }
    let header: ReturnType<typeof decodeProtectedHeader>;
    try {
      header = decodeProtectedHeader(token);
    } catch {
      throw malformed('The licence header is not valid JSON');
    }
    if (header.alg !== LICENSE_ALG) {
      throw new LicensingException(
        'license_signature_invalid',
        `Licences are signed with ${LICENSE_ALG} (Ed25519); this one says ${JSON.stringify(header.alg ?? null)}`,
      );
    }
    const kid = header.kid;
    if (typeof kid !== 'string' || kid === '') {
      throw new LicensingException('license_key_unknown', 'The licence header names no key (kid)', [
        { field: 'kid', message: `trusted keys: ${this.keyring.kids.join(', ')}` },
      ]);
    }
    const key = this.keyring.key(kid);
    if (!key) {
      throw new LicensingException('license_key_unknown', `This installation trusts no key with kid ${kid}`, [
        { field: 'kid', message: `trusted keys: ${this.keyring.kids.join(', ')}` },
      ]);
    }
    let payload: Uint8Array;
    try {
      ({ payload } = await compactVerify(token, await key, { algorithms: [LICENSE_ALG] }));
    } catch (err) {
      if (err instanceof errors.JWSSignatureVerificationFailed || err instanceof errors.JOSEAlgNotAllowed) {
        throw new LicensingException('license_signature_invalid', 'The licence signature does not verify');
      }
      throw malformed(`The licence is not a valid JWS (${(err as Error).message})`);
    }
    let claims: unknown;
    try {
      claims = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(payload));
    } catch {
      throw malformed('The licence payload is not JSON');
    }
    return { claims: parseClaims(claims), kid };
  }
}

function malformed(message: string): LicensingException {
  return new LicensingException('license_malformed', message);
}

function isoSeconds(seconds: number): string {
  return new Date(seconds * 1000).toISOString();
}
