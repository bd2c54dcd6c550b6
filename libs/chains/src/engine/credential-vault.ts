// Opens the tenant credentials a step's templates name, and masks them wherever a value could surface again.
import { Injectable } from '@nestjs/common';
import { SecretBox } from '@conduit/secrets';
import { TenantRoundTrip } from '@conduit/database';
import { credentialAad } from '../credentials.service';

export const REDACTED = '[REDACTED]';
// Shorter values would blank out ordinary text when scrubbed; templates still mask them by construction.
const MIN_SCRUB_LENGTH = 4;

@Injectable()
export class CredentialVault {
  constructor(
    private readonly trip: TenantRoundTrip,
    private readonly secrets: SecretBox,
  ) {}

  /** name -> clear value, for the given names (every credential of the tenant when names is null). */
  async open(tenantId: string, names: ReadonlySet<string> | null): Promise<Record<string, string>> {
    if (names !== null && names.size === 0) return {};
    const rows = await this.trip.query<{ id: string; name: string; value_sealed: string }>(
      tenantId,
      names === null ? `SELECT id, name, value_sealed FROM credentials WHERE tenant_id = $1::uuid` : `SELECT id, name, value_sealed FROM credentials WHERE tenant_id = $1::uuid AND name = ANY($2::text[])`,
      names === null ? [tenantId] : [tenantId, textArray([...names])],
      { durable: true },
    );
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

/** A PostgreSQL array literal of texts (for a simple-protocol round trip, which takes no array parameters). */
function textArray(values: string[]): string {
  return `{${values.map((v) => `"${v.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`).join(',')}}`;
}
