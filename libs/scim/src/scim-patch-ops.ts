// PATCH requests (RFC 7644 section 3.5.2) as Okta and Entra ID send them, applied by scim-patch to the resource as
// SCIM shows it. Before that, the forms the library does not read are brought to RFC form: capitalised ops ("Replace"),
// attribute names in another letter case, the core schema URN before a path, and a path-less add or replace whose value
// names sub-attributes ({"name.givenName": "x"}). The caller reads string booleans ("False") afterwards.
import { ScimPatchOperation, ScimResource, scimPatch } from 'scim-patch';
import { ScimError } from './scim-error';

export const PATCH_OP_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
export const EXTENSION_PREFIX = 'urn:ietf:params:scim:schemas:extension:';
const CORE_SCHEMA = /^urn:ietf:params:scim:schemas:core:2\.0:(User|Group):/i;
const MAX_OPERATIONS = 1000;

/** Attribute names as this service spells them, by their lower-case form. */
const CANONICAL = new Map(
  [
    'userName',
    'name',
    'givenName',
    'familyName',
    'formatted',
    'displayName',
    'emails',
    'value',
    'type',
    'primary',
    'display',
    'active',
    'externalId',
    'members',
    'id',
    'schemas',
    'meta',
    'groups',
  ].map((n) => [n.toLowerCase(), n]),
);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `name.GivenName` → `name.givenName`; `emails[Type eq "work"].Value` → `emails[type eq "work"].value`. */
export function canonicalPath(path: string): string {
  const bare = path.replace(CORE_SCHEMA, '');
  // Attribute names only: outside quoted values, a word followed by . [ ] space or the end.
  return bare.replace(/"(?:[^"\\]|\\.)*"|[A-Za-z][\w$-]*/g, (token) =>
    token.startsWith('"') ? token : (CANONICAL.get(token.toLowerCase()) ?? token),
  );
}

/** The request's operations in RFC form; 400 invalidSyntax when the body is not a PatchOp. */
export function normalizePatch(body: unknown): ScimPatchOperation[] {
  if (!isRecord(body)) throw ScimError.badRequest('invalidSyntax', 'The body must be a PatchOp object');
  const schemas = body.schemas;
  if (schemas !== undefined && (!Array.isArray(schemas) || !schemas.includes(PATCH_OP_SCHEMA)))
    throw ScimError.badRequest('invalidSyntax', `schemas must hold ${PATCH_OP_SCHEMA}`);
  const operations = body.Operations ?? body.operations;
  if (!Array.isArray(operations) || operations.length === 0)
    throw ScimError.badRequest('invalidSyntax', 'Operations must be a non-empty array');
  if (operations.length > MAX_OPERATIONS)
    throw ScimError.badRequest('tooMany', `At most ${MAX_OPERATIONS} operations per request`);
  const result: ScimPatchOperation[] = [];
  operations.forEach((raw: unknown, i: number) => {
    if (!isRecord(raw)) throw ScimError.badRequest('invalidSyntax', `Operations[${i}] must be an object`);
    const op = typeof raw.op === 'string' ? raw.op.toLowerCase() : '';
    if (op !== 'add' && op !== 'remove' && op !== 'replace')
      throw ScimError.badRequest('invalidSyntax', `Operations[${i}].op must be add, remove or replace`);
    if (raw.path !== undefined && (typeof raw.path !== 'string' || raw.path.trim() === ''))
      throw ScimError.badRequest('invalidPath', `Operations[${i}].path must be a non-empty string`);
    const path = typeof raw.path === 'string' ? canonicalPath(raw.path.trim()) : undefined;
    if (path?.startsWith(EXTENSION_PREFIX)) return; // extension attributes are accepted, not stored
    if (op === 'remove') {
      if (!path) throw ScimError.badRequest('noTarget', `Operations[${i}] (remove) needs a path`);
      result.push(raw.value === undefined ? { op, path } : { op, path, value: raw.value as never });
      return;
    }
    if (raw.value === undefined) throw ScimError.badRequest('invalidValue', `Operations[${i}] needs a value`);
    if (path) {
      result.push({ op, path, value: raw.value as never });
      return;
    }
    if (!isRecord(raw.value))
      throw ScimError.badRequest('invalidValue', `Operations[${i}].value must be an object when there is no path`);
    // A path-less value: one operation per attribute it names, so `name.givenName` or `emails[...]` keys work too.
    for (const [key, value] of Object.entries(raw.value)) {
      const keyPath = canonicalPath(key);
      if (keyPath.startsWith(EXTENSION_PREFIX) || keyPath === 'schemas') continue;
      result.push({ op, path: keyPath, value: value as never });
    }
  });
  return result;
}

/** The resource with the operations applied (a copy); scim-patch's refusals as SCIM 400s. */
export function applyPatch(resource: object, operations: ScimPatchOperation[]): unknown {
  try {
    return scimPatch(resource as ScimResource, operations, { mutateDocument: false, treatMissingAsAdd: true });
  } catch (err) {
    const code = (err as { scimCode?: unknown }).scimCode;
    const scimType = code === 'noTarget' || code === 'invalidPath' || code === 'invalidValue' ? code : 'invalidSyntax';
    const message = err instanceof Error ? err.message : 'The patch does not apply';
    throw ScimError.badRequest(scimType, message.slice(0, 300));
  }
}

/** SCIM booleans as Entra sends them too: true, "True", "false". */
export function scimBoolean(value: unknown, field: string): boolean {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string' && /^(true|false)$/i.test(value)) return value.toLowerCase() === 'true';
  throw ScimError.badRequest('invalidValue', `${field} must be true or false`);
}
