// Opened signing secrets and custom headers of subscriptions, kept briefly so hot subscriptions do not decrypt per
// delivery.
import { Injectable } from '@nestjs/common';
import { Clock, TenantId } from '@conduit/platform';
import { SecretBox } from '@conduit/secrets';
import { headersAad, secretAad } from '../subscriptions.service';

const CACHE_TTL_MS = 60_000;
const CACHE_MAX_ENTRIES = 10_000;

/** The sealed columns of a subscription row; updated_at changes whenever any of them does. */
export interface SealedSubscription {
  id: string;
  tenant_id: TenantId;
  updated_at: Date;
  secret_sealed: string;
  previous_secret_sealed: string | null;
  previous_secret_expires_at: Date | null;
  headers_sealed: string | null;
}

export interface OpenedCredentials {
  secret: string;
  previousSecret: { secret: string; expiresAt: Date } | null;
  headers: Record<string, string>;
}

interface Entry {
  value: Promise<OpenedCredentials>;
  expiresAt: number;
}

@Injectable()
export class SubscriptionCredentials {
  // Private field: opened secrets stay out of inspection and logs.
  readonly #cache = new Map<string, Entry>();

  constructor(
    private readonly secrets: SecretBox,
    private readonly clock: Clock,
  ) {}

  /** Current secret first, then the previous one while its grace period lasts. */
  static activeSecrets(credentials: OpenedCredentials, now: Date): string[] {
    const previous = credentials.previousSecret;
    return previous && previous.expiresAt > now ? [credentials.secret, previous.secret] : [credentials.secret];
  }

  open(sub: SealedSubscription): Promise<OpenedCredentials> {
    // A rotation or header change bumps updated_at, so a changed subscription never hits a stale entry.
    const key = `${sub.tenant_id}:${sub.id}:${sub.updated_at.getTime()}`;
    const now = this.clock.now().getTime();
    const hit = this.#cache.get(key);
    if (hit && hit.expiresAt > now) return hit.value;
    if (this.#cache.size >= CACHE_MAX_ENTRIES) this.evict(now);
    // The promise is cached, so concurrent deliveries of one subscription decrypt once.
    const value = this.load(sub);
    this.#cache.set(key, { value, expiresAt: now + CACHE_TTL_MS });
    value.catch(() => this.#cache.delete(key));
    return value;
  }

  private async load(sub: SealedSubscription): Promise<OpenedCredentials> {
    const now = this.clock.now();
    const previousLive =
      sub.previous_secret_sealed && sub.previous_secret_expires_at && sub.previous_secret_expires_at > now;
    const [secret, previous, headers] = await Promise.all([
      this.secrets.open(sub.tenant_id, sub.secret_sealed, secretAad(sub.id)),
      previousLive ? this.secrets.open(sub.tenant_id, sub.previous_secret_sealed as string, secretAad(sub.id)) : null,
      sub.headers_sealed ? this.secrets.open(sub.tenant_id, sub.headers_sealed, headersAad(sub.id)) : null,
    ]);
    return {
      secret,
      previousSecret:
        previous && sub.previous_secret_expires_at
          ? { secret: previous, expiresAt: sub.previous_secret_expires_at }
          : null,
      headers: headers ? (JSON.parse(headers) as Record<string, string>) : {},
    };
  }

  private evict(now: number): void {
    for (const [key, entry] of this.#cache) if (entry.expiresAt <= now) this.#cache.delete(key);
    // Still full of live entries: drop the oldest (Map keeps insertion order).
    while (this.#cache.size >= CACHE_MAX_ENTRIES) this.#cache.delete(this.#cache.keys().next().value as string);
  }
}
