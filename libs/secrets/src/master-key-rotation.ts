// Retiring a master key: re-wrapping one data key and reading the keyring's usage. Pure; the service does the I/O.
import { MasterKeyring, TenantId } from '@conduit/platform';

/** Why a data key could not be re-wrapped; codes only, so a report can never carry key material. */
export type RewrapFailureReason = 'master_key_not_configured' | 'unwrap_failed' | 'data_key_invalid';

export type RewrapOutcome = { ok: true; wrappedKey: string } | { ok: false; reason: RewrapFailureReason };

export interface RewrapFailure {
  tenant_id: TenantId;
  data_key_id: string;
  master_key_id: string;
  reason: RewrapFailureReason;
}

export interface RewrapSummary {
  active_master_key_id: string;
  tenants: number;
  rewrapped: number;
  already_current: number;
  failures: RewrapFailure[];
}

export interface MasterKeyStatus {
  active_master_key_id: string;
  configured_master_key_ids: string[];
  tenants: number;
  /** data keys per master key id: every configured id (0 when unused) and any id found in the database */
  data_keys_by_master_key: Record<string, number>;
  /** data keys wrapped by a configured key other than the active one: what keys:rewrap would re-wrap */
  awaiting_rewrap: number;
  /** ids that wrap data keys but are not in CONDUIT_MASTER_KEY: those keys (and their secrets) cannot be opened */
  unknown_master_key_ids: string[];
  /** configured, not active, and wrapping no data key: safe to drop from CONDUIT_MASTER_KEY */
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

export function summarizeMasterKeyUsage(
  keyring: MasterKeyring,
  tenants: number,
  counts: ReadonlyMap<string, number>,
): MasterKeyStatus {
  const count = (kid: string) => counts.get(kid) ?? 0;
  const unknown = [...counts.keys()].filter((kid) => !keyring.has(kid)).sort();
  const retired = keyring.keyIds.filter((kid) => kid !== keyring.activeKeyId);
  return {
    active_master_key_id: keyring.activeKeyId,
    configured_master_key_ids: keyring.keyIds,
    tenants,
    // fromEntries defines own properties, so an id such as "__proto__" read from the database stays a plain key.
    data_keys_by_master_key: Object.fromEntries([...keyring.keyIds, ...unknown].map((kid) => [kid, count(kid)])),
    awaiting_rewrap: retired.reduce((sum, kid) => sum + count(kid), 0),
    unknown_master_key_ids: unknown,
    removable_master_key_ids: retired.filter((kid) => count(kid) === 0),
  };
}
