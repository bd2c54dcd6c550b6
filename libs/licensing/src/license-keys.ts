// The public keys licences are verified with: CONDUIT_LICENSE_PUBLIC_KEYS when set, else the vendor's built-in key.
// Only public keys ship with the product; whoever signs licences keeps the private key (docs/licensing.md).
import { Injectable, OnModuleInit } from '@nestjs/common';
import { importJWK } from 'jose';
import { ConduitConfig, ConfigError, InjectConfig, LicensePublicJwk } from '@conduit/platform';

/**
 * The built-in vendor key (Ed25519, RFC 8037 JWK), documented in docs/licensing.md ("The licence"). Its private half
 * is held by the vendor only; a deployment that trusts other keys sets CONDUIT_LICENSE_PUBLIC_KEYS (which replaces
 * this one: list it there too to keep trusting it).
 */
export const VENDOR_PUBLIC_KEYS: readonly LicensePublicJwk[] = [
  {
    kty: 'OKP',
    crv: 'Ed25519',
    x: '0XmD2JMeS-gHgHkhfjJVu3B98AnhcAwXuhXMdzFndNE',
    kid: 'conduit-vendor-2026',
    alg: 'EdDSA',
    use: 'sig',
  },
];

type VerifyingKey = Awaited<ReturnType<typeof importJWK>>;

@Injectable()
export class LicenseKeyring implements OnModuleInit {
  readonly keys: readonly LicensePublicJwk[];
  private readonly imported = new Map<string, Promise<VerifyingKey>>();

  constructor(@InjectConfig() config: ConduitConfig) {
    this.keys = config.CONDUIT_LICENSE_PUBLIC_KEYS ?? VENDOR_PUBLIC_KEYS;
  }

  /** Every key imported at start: one the schema let through but that is no usable key stops the start, named. */
  async onModuleInit(): Promise<void> {
    for (const { kid } of this.keys) {
      try {
        await this.key(kid);
      } catch (err) {
        throw new ConfigError([
          `CONDUIT_LICENSE_PUBLIC_KEYS: key ${kid} is not a usable Ed25519 public key (${(err as Error).message})`,
        ]);
      }
    }
  }

  /** The kids this installation trusts, for messages. */
  get kids(): string[] {
    return this.keys.map((k) => k.kid);
  }

  /** The verifying key with this kid, or undefined when the installation trusts none by that id. */
  key(kid: string): Promise<VerifyingKey> | undefined {
    const jwk = this.keys.find((k) => k.kid === kid);
    if (!jwk) return undefined;
    let key = this.imported.get(kid);
    if (!key) {
      key = importJWK({ kty: jwk.kty, crv: jwk.crv, x: jwk.x }, 'EdDSA');
      this.imported.set(kid, key);
    }
    return key;
  }
}
