// Retiring a master key: re-wrapping one data key and reading the keyring's usage. Pure; the service does the I/O.
import { MasterKeyring, TenantId } from '@conduit/platform';

/** Why a data key could not be re-wrapped; codes only, so a report can never carry key material. */
export type RewrapFailureReason = 'master_key_not_configured' | 'unwrap_failed' | 'data_key_invalid';

export type RewrapOutcome = { ok: true; wrappedKey: string } | { ok: false; reason: RewrapFailureReason };

export type RewrapFailure =
  | { tenant_id: TenantId; data_key_id: string; master_key_id: string; reason: RewrapFailureReason }
  /** the data key of the tenant's sealed dedicated database URL (tenants.database_url_sealed) */
  | { tenant_id: TenantId; database_url: true; master_key_id: string; reason: RewrapFailureReason };

export interface RewrapSummary {
  active_master_key_id: string;
  tenants: number;
  rewrapped: number;
  already_current: number;
  /** sealed dedicated database URLs: their data keys, re-wrapped or already under the active key */
  database_urls: { rewrapped: number; already_current: number };
  failures: RewrapFailure[];
}

export interface MasterKeyStatus {
  active_master_key_id: string;
  configured_master_key_ids: string[];
  tenants: number;
  /** data keys per master key id: every configured id (0 when unused) and any id found in the database */
  data_keys_by_master_key: Record<string, number>;
  /** sealed dedicated database URLs (their data keys) per master key id, listed like data_keys_by_master_key */
  database_urls_by_master_key: Record<string, number>;
  /** data keys and database URLs wrapped by a configured key other than the active one: what keys:rewrap re-wraps */
  awaiting_rewrap: number;
  /**
   * ids that wrap data keys or database URLs but are not in CONDUIT_MASTER_KEY: those keys (and their secrets, or
   * their dedicated tenants' databases) cannot be opened
   */
  unknown_master_key_ids: string[];
  /** configured, not active, and wrapping no data key and no database URL: safe to drop from CONDUIT_MASTER_KEY */
  removable_master_key_ids: string[];
}

/**
 * The same data key, wrapped by the keyring's active master key. The unwrapped key lives only in this call.
 * `masterKeyId` is the row's column; the wrapped value names its own key id too, and unwrapping checks that one.
 */
export function rewrapDataKey(keyring: MasterKeyring, masterKeyId: string, wrappedKey: string): RewrapOutcome {
  if (!keyring.has(masterKeyId)) return { ok: false, reason: 'master_key_not_configured' };
  // Whatever is wrong with one row (tampered, truncated, not a key at all) is that row's failure: the run goes on,
  // and the error itself is dropped, so no message can carry key material into a report.
  let dataKey: Buffer;
  try {
    dataKey = keyring.unwrapDataKey(wrappedKey);
  } catch {
    return { ok: false, reason: 'unwrap_failed' };
  }
  try {
    return { ok: true, wrappedKey: keyring.wrapDataKey(dataKey) };
  } catch {
    return { ok: false, reason: 'data_key_invalid' };
  } finally {
    dataKey.fill(0);
  }
}

/**
 * A sealed dedicated database URL (`<wrapped data key>:<ciphertext>`, sealDatabaseUrl in libs/database) with its data
 * key wrapped by the active master key. Only the wrapping changes: the ciphertext is bound to the tenant, not to the
 * wrapping, so it stays as it is and the URL is never decrypted here.
 */
export function rewrapSealedDatabaseUrl(keyring: MasterKeyring, sealed: string): RewrapOutcome {
  const separator = sealed.indexOf(':');
  if (separator < 0) return { ok: false, reason: 'unwrap_failed' };
  const outcome = rewrapDataKey(keyring, sealedDatabaseUrlMasterKeyId(sealed), sealed.slice(0, separator));
  return outcome.ok ? { ok: true, wrappedKey: `${outcome.wrappedKey}${sealed.slice(separator)}` } : outcome;
}

/** The master key id wrapping a sealed database URL's data key (`v1.<kid>.` opens the wrapping); '' if malformed. */
export function sealedDatabaseUrlMasterKeyId(sealed: string): string {
  return sealed.split(':')[0].split('.')[1] ?? '';
}

export function summarizeMasterKeyUsage(
  keyring: MasterKeyring,
  tenants: number,
  counts: ReadonlyMap<string, number>,
  urlCounts: ReadonlyMap<string, number> = new Map(),
): MasterKeyStatus {
  const count = (kid: string) => counts.get(kid) ?? 0;
  const urls = (kid: string) => urlCounts.get(kid) ?? 0;
  const unknown = [...new Set([...counts.keys(), ...urlCounts.keys()])].filter((kid) => !keyring.has(kid)).sort();
  const retired = keyring.keyIds.filter((kid) => kid !== keyring.activeKeyId);
  const perKey = (n: (kid: string) => number) =>
    // fromEntries defines own properties, so an id such as "__proto__" read from the database stays a plain key.
    Object.fromEntries([...keyring.keyIds, ...unknown].map((kid) => [kid, n(kid)]));
  return {
    active_master_key_id: keyring.activeKeyId,
    configured_master_key_ids: keyring.keyIds,
    tenants,
    data_keys_by_master_key: perKey(count),
    database_urls_by_master_key: perKey(urls),
    awaiting_rewrap: retired.reduce((sum, kid) => sum + count(kid) + urls(kid), 0),
    unknown_master_key_ids: unknown,
    removable_master_key_ids: retired.filter((kid) => count(kid) === 0 && urls(kid) === 0),
  };
}
