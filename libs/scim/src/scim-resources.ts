// SCIM's User and Group resources as this service answers them, and the checks on what a client sends for them.
import { isEmail } from 'class-validator';
import type { ScimEmail, ScimName } from './entities/scim-user.entity';
import { ScimError } from './scim-error';
import { scimBoolean } from './scim-patch-ops';

export const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';
export const ENTERPRISE_USER_SCHEMA = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
export const LIST_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';

export interface ScimMeta {
  resourceType: 'User' | 'Group';
  created: string;
  lastModified: string;
  location: string;
  version: string;
}

export interface ScimUserResource {
  schemas: string[];
  id: string;
  externalId?: string;
  userName: string;
  name?: ScimName;
  displayName?: string;
  emails: ScimEmail[];
  active: boolean;
  groups: { value: string; display: string; $ref: string }[];
  meta: ScimMeta;
}

export interface ScimGroupResource {
  schemas: string[];
  id: string;
  externalId?: string;
  displayName: string;
  members?: { value: string; display: string; $ref: string }[];
  meta: ScimMeta;
}

export interface ScimListResponse<T> {
  schemas: [typeof LIST_SCHEMA];
  totalResults: number;
  itemsPerPage: number;
  startIndex: number;
  Resources: T[];
}

/** What a client may set on a user (POST, PUT, and a PATCH's result). */
export interface UserInput {
  userName: string;
  displayName: string | null;
  name: ScimName;
  emails: ScimEmail[];
  active: boolean;
  externalId: string | null;
}

export interface GroupInput {
  displayName: string;
  externalId: string | null;
  /** Absent: not given (a PATCH that leaves members alone never gets here without them). */
  members: string[];
}

export function meta(resourceType: 'User' | 'Group', location: string, created: Date, lastModified: Date): ScimMeta {
  return {
    resourceType,
    created: created.toISOString(),
    lastModified: lastModified.toISOString(),
    location,
    version: `W/"${lastModified.getTime()}"`,
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const bad = (detail: string) => ScimError.badRequest('invalidValue', detail);

/** A trimmed string of at most `max` characters; absent, null or blank: null. */
function optionalText(value: unknown, field: string, max: number): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') throw bad(`${field} must be a string`);
  const trimmed = value.trim();
  if (trimmed.length > max) throw bad(`${field} is longer than ${max} characters`);
  return trimmed === '' ? null : trimmed;
}

function schemasOf(body: Record<string, unknown>): void {
  if (body.schemas !== undefined && (!Array.isArray(body.schemas) || body.schemas.some((s) => typeof s !== 'string')))
    throw ScimError.badRequest('invalidSyntax', 'schemas must be an array of strings');
}

/** Reads a User as a client sends it; password, the enterprise extension and unknown attributes are ignored. */
export function readUser(body: unknown): UserInput {
  if (!isRecord(body)) throw ScimError.badRequest('invalidSyntax', 'The body must be a User object');
  schemasOf(body);
  const userName = optionalText(body.userName, 'userName', 254);
  if (!userName) throw bad('userName is required');
  if (!isEmail(userName)) throw bad('userName must be an email address (it is the Conduit sign-in email)');
  let name: ScimName = {};
  if (body.name !== undefined && body.name !== null) {
    if (!isRecord(body.name)) throw bad('name must be an object');
    const parts: ScimName = {};
    for (const key of ['givenName', 'familyName', 'formatted'] as const) {
      const v = optionalText(body.name[key], `name.${key}`, 200);
      if (v !== null) parts[key] = v;
    }
    name = parts;
  }
  const emails: ScimEmail[] = [];
  if (body.emails !== undefined && body.emails !== null) {
    if (!Array.isArray(body.emails)) throw bad('emails must be an array');
    if (body.emails.length > 20) throw bad('emails holds more than 20 addresses');
    body.emails.forEach((e: unknown, i: number) => {
      if (!isRecord(e)) throw bad(`emails[${i}] must be an object`);
      const value = optionalText(e.value, `emails[${i}].value`, 254);
      if (!value || !isEmail(value)) throw bad(`emails[${i}].value must be an email address`);
      const email: ScimEmail = { value };
      const type = optionalText(e.type, `emails[${i}].type`, 50);
      if (type) email.type = type;
      if (e.primary !== undefined && e.primary !== null) email.primary = scimBoolean(e.primary, `emails[${i}].primary`);
      emails.push(email);
    });
  }
  const displayName =
    optionalText(body.displayName, 'displayName', 200) ??
    (name.formatted || [name.givenName, name.familyName].filter(Boolean).join(' ') || null);
  return {
    userName: userName.toLowerCase(),
    displayName,
    name,
    emails,
    active: body.active === undefined || body.active === null ? true : scimBoolean(body.active, 'active'),
    externalId: optionalText(body.externalId, 'externalId', 500),
  };
}

/** Reads a Group as a client sends it: members by their `value` (a user id of this tenant, checked by the caller). */
export function readGroup(body: unknown): GroupInput {
  if (!isRecord(body)) throw ScimError.badRequest('invalidSyntax', 'The body must be a Group object');
  schemasOf(body);
  const displayName = optionalText(body.displayName, 'displayName', 200);
  if (!displayName) throw bad('displayName is required');
  const members: string[] = [];
  if (body.members !== undefined && body.members !== null) {
    if (!Array.isArray(body.members)) throw bad('members must be an array');
    if (body.members.length > 10000) throw bad('members holds more than 10000 entries');
    body.members.forEach((m: unknown, i: number) => {
      if (!isRecord(m) || typeof m.value !== 'string' || m.value.trim() === '')
        throw bad(`members[${i}].value must be a user id`);
      members.push(m.value.trim());
    });
  }
  return { displayName, externalId: optionalText(body.externalId, 'externalId', 500), members: [...new Set(members)] };
}

/** startIndex and count (RFC 7644 section 3.4.2.4): 1-based, count 0..200 (default 100). */
export function readPaging(query: Record<string, unknown>): { startIndex: number; count: number } {
  const num = (value: unknown, field: string, fallback: number): number => {
    if (value === undefined || value === '') return fallback;
    if (typeof value !== 'string' || !/^-?\d{1,9}$/.test(value)) throw bad(`${field} must be an integer`);
    return Number(value);
  };
  const startIndex = Math.max(1, num(query.startIndex, 'startIndex', 1));
  const count = Math.min(200, Math.max(0, num(query.count, 'count', 100)));
  return { startIndex, count };
}

/** The optional `filter` query value. */
export function readFilter(query: Record<string, unknown>): string | null {
  const filter = query.filter;
  if (filter === undefined || filter === '') return null;
  if (typeof filter !== 'string') throw ScimError.badRequest('invalidFilter', 'filter must be given once');
  return filter;
}

/** Whether `excludedAttributes` names the attribute (Entra lists groups with excludedAttributes=members). */
export function excludes(query: Record<string, unknown>, attribute: string): boolean {
  const value = query.excludedAttributes;
  if (typeof value !== 'string') return false;
  return value
    .split(',')
    .map((a) => a.trim().toLowerCase())
    .includes(attribute.toLowerCase());
}
