// Licences for tests: real Ed25519 key pairs made here (jose), claims signed as the vendor tool signs them, and a
// clock each app of a test can be moved with (every provider of an app shares its one Clock).
import type { INestApplicationContext } from '@nestjs/common';
import { CompactSign, CryptoKey, JWK, exportJWK, generateKeyPair } from 'jose';
import { Clock } from '@conduit/platform';

export const DAY_MS = 24 * 3600 * 1000;

export interface TestKey {
  kid: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
  privateJwk: JWK;
}

export async function makeKey(kid: string): Promise<TestKey> {
  const { privateKey, publicKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
  const { kty, crv, x } = await exportJWK(publicKey);
  const publicJwk = { kty, crv, x, kid };
  return { kid, privateKey, publicJwk, privateJwk: { ...publicJwk, d: (await exportJWK(privateKey)).d } };
}

/** CONDUIT_LICENSE_PUBLIC_KEYS for these keys. */
export function keySet(...keys: TestKey[]): string {
  return JSON.stringify({ keys: keys.map((k) => k.publicJwk) });
}

export const seconds = (at: Date | number) => Math.floor((typeof at === 'number' ? at : at.getTime()) / 1000);

/** Enterprise claims valid from `now` for `days`, with `overrides`. */
export function claims(now: Date, days: number, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    jti: `lic-${Math.random().toString(36).slice(2, 10)}`,
    sub: 'Acme Security Ltd',
    type: 'enterprise',
    iat: seconds(now),
    nbf: seconds(now),
    exp: seconds(now.getTime() + days * DAY_MS),
    grace_days: 5,
    quotas: { tenants: 40, users: 400, integrations: 80, instances: null, events_per_month: 5_000_000 },
    features: ['mssp', 'saml', 'export_import'],
    ...overrides,
  };
}

/** A compact JWS of `payload` (an object, or raw text) signed with `key`, with the header given (kid: the key's). */
export async function sign(key: TestKey, payload: unknown, header: Record<string, unknown> = {}): Promise<string> {
  const bytes = new TextEncoder().encode(typeof payload === 'string' ? payload : JSON.stringify(payload));
  return new CompactSign(bytes).setProtectedHeader({ alg: 'EdDSA', kid: key.kid, ...header }).sign(key.privateKey);
}

/** Moves an app's clock: offsets from the real time, shared by every provider of the app. */
export class MovableClock {
  private offsetMs = 0;

  constructor(...apps: INestApplicationContext[]) {
    for (const app of apps) this.attach(app);
  }

  attach(app: INestApplicationContext): void {
    const clock = app.get(Clock);
    clock.now = () => new Date(Date.now() + this.offsetMs);
  }

  /** The clock reads `at` now (and runs on from there). */
  set(at: Date | number): void {
    this.offsetMs = (typeof at === 'number' ? at : at.getTime()) - Date.now();
  }

  reset(): void {
    this.offsetMs = 0;
  }

  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }
}
