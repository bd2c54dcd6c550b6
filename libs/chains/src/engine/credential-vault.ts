// Opens the tenant credentials a step's templates name, and masks them wherever a value could surface again.
import { Injectable } from '@nestjs/common';
import { TenantContext } from '@conduit/database';
import { SecretBox } from '@conduit/secrets';
import { credentialAad } from '../credentials.service';

export const REDACTED = '[REDACTED]';
// Shorter values would blank out ordinary text when scrubbed; templates still mask them by construction.
const MIN_SCRUB_LENGTH = 4;

@Injectable()
export class CredentialVault {
  constructor(
    private readonly db: TenantContext,
    private readonly secrets: SecretBox,
  ) {}

  /** name -> clear value, for the given names (every credential of the tenant when names is null). */
  async open(tenantId: string, names: ReadonlySet<string> | null): Promise<Record<string, string>> {
    if (names !== null && names.size === 0) return {};
    const rows = (await this.db.runInTenant(tenantId, () =>
      this.db.em.query(`SELECT id, name, value_sealed FROM credentials WHERE tenant_id = $1 AND ($2::text[] IS NULL OR name = ANY($2::text[]))`, [
        tenantId,
        names === null ? null : [...names],
      ]),
    )) as { id: string; name: string; value_sealed: string }[];
    const opened = await Promise.all(rows.map(async (r) => [r.name, await this.secrets.open(tenantId, r.value_sealed, credentialAad(r.id))] as const));
    return Object.fromEntries(opened);
  }
}

/** Replaces every occurrence of a secret value in the strings of a JSON value (keys included) with [REDACTED]. */
export function scrub<T>(value: T, secrets: readonly string[]): T {
  const list = secrets.filter((s) => s.length >= MIN_SCRUB_LENGTH).sort((a, b) => b.length - a.length);
  if (list.length === 0) return value;
  const text = (s: string) => list.reduce((acc, secret) => acc.split(secret).join(REDACTED), s);
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return text(v);
    if (Array.isArray(v)) return v.map(walk);
    if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [text(k), walk(x)]));
    return v;
  };
  return walk(value) as T;
}
