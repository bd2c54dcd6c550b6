// The vendor's side of licences, for `license:keygen` and `license:sign` (src/cli-commands.ts): making an Ed25519 key
// pair and signing claims with its private key. Nothing here runs in a Conduit process; no private key ships with it.
import { randomUUID } from 'node:crypto';
import { CompactSign, JWK, exportJWK, generateKeyPair, importJWK } from 'jose';
import { claimsProblems } from './license-claims';
import { LICENSE_ALG } from './license-verifier';
import { LicensingException } from './licensing.exception';

export interface LicenseKeyPair {
  /** keep it secret: whoever holds it can sign licences every installation trusting its kid accepts */
  privateJwk: JWK;
  /** for CONDUIT_LICENSE_PUBLIC_KEYS (or the built-in default) */
  publicJwk: JWK;
}

const KID = /^[A-Za-z0-9._:-]{1,128}$/;

/** A new Ed25519 key pair as JWKs carrying `kid`. */
export async function generateLicenseKeyPair(kid: string): Promise<LicenseKeyPair> {
  if (!KID.test(kid)) throw new RangeError('a kid is 1-128 letters, digits, ".", "_", ":" or "-"');
  const { privateKey } = await generateKeyPair(LICENSE_ALG, { crv: 'Ed25519', extractable: true });
  const { kty, crv, x, d } = await exportJWK(privateKey);
  const publicJwk: JWK = { kty, crv, x, kid, alg: LICENSE_ALG, use: 'sig' };
  return { privateJwk: { ...publicJwk, d }, publicJwk };
}

/**
 * Signs claims into a licence (a compact JWS, EdDSA, the key's kid in its header). iat defaults to now, nbf to iat
 * and jti to a random UUID; iat, nbf and exp may be given as ISO 8601 dates. The claims are checked as an installation
 * checks them, so what is signed installs (license_malformed with every problem otherwise).
 */
export async function signLicense(input: unknown, privateJwk: unknown, now: Date): Promise<string> {
  const key = signingKey(privateJwk);
  const claims = completeClaims(input, now);
  const problems = claimsProblems(claims);
  if (problems.length > 0) {
    throw new LicensingException('license_malformed', 'The claims are not valid licence claims', problems);
  }
  return new CompactSign(new TextEncoder().encode(JSON.stringify(claims)))
    .setProtectedHeader({ alg: LICENSE_ALG, kid: key.kid, typ: 'JWT' })
    .sign(await importJWK(key.jwk, LICENSE_ALG));
}

function signingKey(jwk: unknown): { kid: string; jwk: JWK } {
  const k = (typeof jwk === 'object' && jwk !== null ? jwk : {}) as Record<string, unknown>;
  if (k.kty !== 'OKP' || k.crv !== 'Ed25519' || typeof k.d !== 'string' || typeof k.x !== 'string') {
    throw new RangeError('the key is not an Ed25519 private key JWK (kty "OKP", crv "Ed25519", x and d)');
  }
  if (typeof k.kid !== 'string' || !KID.test(k.kid)) throw new RangeError('the key has no kid');
  return { kid: k.kid, jwk: { kty: 'OKP', crv: 'Ed25519', x: k.x, d: k.d } };
}

function completeClaims(input: unknown, now: Date): unknown {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return input;
  const claims: Record<string, unknown> = { ...(input as Record<string, unknown>) };
  for (const name of ['iat', 'nbf', 'exp']) {
    const value = claims[name];
    if (typeof value === 'string' && !Number.isNaN(Date.parse(value))) {
      claims[name] = Math.floor(Date.parse(value) / 1000);
    }
  }
  claims.iat ??= Math.floor(now.getTime() / 1000);
  claims.nbf ??= claims.iat;
  claims.jti ??= randomUUID();
  return claims;
}
