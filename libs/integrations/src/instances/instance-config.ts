// The rules of an instance's configuration, free of I/O: its base URL, its auth per type, which values are secret,
// and which secrets a move to another host must re-send.
import type { FieldDefinition, FieldProblem } from '../fields';
import { AUTH_TYPES, AuthSettings, AuthType } from '../entities/instance.entity';

/** What a request may send as `auth`: the type, its settings and its credentials, all optional on PATCH. */
export interface AuthInput {
  type?: AuthType;
  username?: string;
  password?: string;
  token?: string;
  key?: string;
  header?: string;
  query?: string;
  client_id?: string;
  client_secret?: string;
  token_url?: string;
  scope?: string;
}

export const CREDENTIAL_KEYS = ['username', 'password', 'token', 'key', 'client_id', 'client_secret'] as const;
export type CredentialKey = (typeof CREDENTIAL_KEYS)[number];
const SETTING_KEYS = ['header', 'query', 'token_url', 'scope'] as const;

/** Per type: the credentials it needs and the settings it may have. */
const AUTH_SHAPES: Record<AuthType, { credentials: readonly CredentialKey[]; settings: readonly string[] }> = {
  none: { credentials: [], settings: [] },
  basic: { credentials: ['username', 'password'], settings: [] },
  bearer: { credentials: ['token'], settings: [] },
  api_key: { credentials: ['key'], settings: ['header', 'query'] },
  oauth2_client_credentials: { credentials: ['client_id', 'client_secret'], settings: ['token_url', 'scope'] },
};

/** The credentials an auth type needs (what an instance created without its secrets still lacks). */
export function authCredentialKeys(type: AuthType): readonly CredentialKey[] {
  return AUTH_SHAPES[type]?.credentials ?? [];
}

export interface ResolvedAuth {
  type: AuthType;
  settings: AuthSettings;
  credentials: Partial<Record<CredentialKey, string>>;
}

/** The secret part of an instance, sealed as one JSON. */
export interface InstanceSecrets {
  fields: Record<string, string>;
  credentials: Partial<Record<CredentialKey, string>>;
}

const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,100}$/;

/** Null when the URL is an http(s) URL without user info; else why not. */
export function baseUrlProblem(value: string): string | null {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'not a URL';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'must be an http or https URL';
  if (url.username || url.password) return 'must not hold credentials (send them in auth)';
  if (!url.hostname) return 'has no host';
  return null;
}

/** The host (with its port) a credential is sent to. */
export const hostOf = (url: string): string => new URL(url).host.toLowerCase();

/**
 * The auth after a change: the same type keeps what it is not sent (settings and credentials), another type starts
 * afresh. Problems name `auth.<key>`: a missing credential, a key of another type, a bad header or token URL.
 */
export function resolveAuth(
  input: AuthInput | undefined,
  current: ResolvedAuth | null,
): { auth: ResolvedAuth; problems: FieldProblem[] } {
  if (!input) return { auth: current ?? { type: 'none', settings: {}, credentials: {} }, problems: [] };
  const problems: FieldProblem[] = [];
  const bad = (key: string, code: string, message: string) =>
    problems.push({ field: `auth.${key}`, code, message: `auth.${key}: ${message}` });
  const type = input.type ?? current?.type ?? 'none';
  if (!(AUTH_TYPES as readonly string[]).includes(type)) {
    bad('type', 'not_an_option', `one of ${AUTH_TYPES.join(', ')}`);
    return { auth: { type: 'none', settings: {}, credentials: {} }, problems };
  }
  const shape = AUTH_SHAPES[type];
  const keep = current && current.type === type;
  const settings: AuthSettings = keep ? { ...current.settings } : {};
  const credentials: ResolvedAuth['credentials'] = keep ? { ...current.credentials } : {};
  for (const key of SETTING_KEYS) {
    const v = input[key];
    if (v === undefined) continue;
    if (!shape.settings.includes(key)) bad(key, 'not_allowed', `not a setting of ${type} auth`);
    else if (typeof v !== 'string' || v.length === 0 || v.length > 2000) bad(key, 'invalid_type', 'a non-empty string');
    else settings[key] = v;
  }
  for (const key of CREDENTIAL_KEYS) {
    const v = input[key];
    if (v === undefined) continue;
    if (!shape.credentials.includes(key)) bad(key, 'not_allowed', `not a credential of ${type} auth`);
    else if (typeof v !== 'string' || v.length === 0 || v.length > 8000) bad(key, 'invalid_type', 'a non-empty string');
    else credentials[key] = v;
  }
  for (const key of shape.credentials) if (credentials[key] === undefined) bad(key, 'required', 'required');
  if (type === 'api_key') {
    if (input.header !== undefined) delete settings.query;
    if (input.query !== undefined) delete settings.header;
    if (input.header !== undefined && input.query !== undefined)
      bad('header', 'conflict', 'send the key in a header or in the query, not both');
    else if (settings.header === undefined && settings.query === undefined)
      bad('header', 'required', 'a header name or a query parameter name (auth.query) is required');
    if (settings.header !== undefined && !HEADER_NAME.test(settings.header))
      bad('header', 'invalid_format', 'not a header name');
  }
  if (type === 'oauth2_client_credentials') {
    if (settings.token_url === undefined) bad('token_url', 'required', 'required');
    else {
      const p = baseUrlProblem(settings.token_url);
      if (p) bad('token_url', 'invalid_format', p);
    }
  }
  return { auth: { type, settings, credentials }, problems };
}

/** Field values by the definitions' secret flag: secrets go to the sealed part. */
export function splitValues(
  definitions: readonly FieldDefinition[],
  values: Record<string, unknown>,
): { plain: Record<string, unknown>; secret: Record<string, string> } {
  const secretNames = new Set(definitions.filter((d) => d.type === 'secret').map((d) => d.name));
  const plain: Record<string, unknown> = {};
  const secret: Record<string, string> = {};
  for (const [k, v] of Object.entries(values)) {
    if (secretNames.has(k)) secret[k] = String(v);
    else plain[k] = v;
  }
  return { plain, secret };
}

/** Merged values: stored ones, then those sent (null removes a value). */
export function mergeValues(
  stored: Record<string, unknown>,
  sent: Record<string, unknown> | undefined,
): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...stored };
  for (const [k, v] of Object.entries(sent ?? {})) {
    if (v === null) delete merged[k];
    else merged[k] = v;
  }
  return merged;
}

/**
 * On a move to another host, every secret the instance will hold must have been sent in the same request: the names
 * (`fields.x`, `auth.password`) of those that were not.
 */
export function secretsNotResent(
  secrets: InstanceSecrets,
  sentFields: Record<string, unknown> | undefined,
  sentAuth: AuthInput | undefined,
): string[] {
  const missing: string[] = [];
  for (const name of Object.keys(secrets.fields))
    if (sentFields?.[name] === undefined || sentFields[name] === null) missing.push(`fields.${name}`);
  for (const key of Object.keys(secrets.credentials) as CredentialKey[])
    if (sentAuth?.[key] === undefined) missing.push(`auth.${key}`);
  return missing;
}
