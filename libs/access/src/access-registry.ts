// Where the domain libs plug their permissions in: each registers its subjects' API-key scopes and what every role may
// do with them (registerAccess, called by the domain's `<domain>.access.ts` when the lib is loaded). The ability of a
// request is built from every registration, so a new domain adds its rules without editing this lib.
import type { MongoQuery } from '@casl/ability';
import { InvariantError } from '@conduit/platform';
import type { Role } from './roles';
import type { Action, Subject, SubjectFields } from './subjects';

type Conditions = MongoQuery<SubjectFields>;

/** CASL's can/cannot, narrowed to the registered subjects. */
export interface Rules {
  can(action: Action | Action[], subject: Subject | Subject[], conditions?: Conditions): void;
  cannot(action: Action | Action[], subject: Subject | Subject[], conditions?: Conditions): void;
}

/** The request a rule is written for. */
export interface Grantee {
  /** Conditions that match objects of the tenant the request acts in. */
  acting: { tenant_id: string };
  /** The caller's home tenant id. */
  home: string;
}

/** The rules one role gets for one domain's subjects. */
export type Grant = (rules: Rules, grantee: Grantee) => void;

/** A role that gets nothing of a domain (platform admins already manage everything). */
export const NOTHING: Grant = () => undefined;

export interface DomainAccess {
  /**
   * API-key scope name of each of the domain's subjects: "subscriptions" gives the scopes subscriptions:read and
   * subscriptions:write.
   */
  scopes: Partial<Record<Subject, string>>;
  /** Every role, so adding a role makes each domain say what it gets. Platform admins may manage all beforehand. */
  roles: Record<Role, Grant>;
}

const domains: DomainAccess[] = [];
const scopeNames = new Map<Subject, string>();

/**
 * Every scope an API key may hold: "*" and read/write of each registered subject, sorted. Domain libs register after
 * a DTO using it may be declared, so it is one array kept up to date: class-validator reads it when it validates a
 * body, Swagger when it builds the document (see KnownScopes).
 */
export const KNOWN_SCOPES: string[] = ['*'];

/** Called once per domain lib, when it is loaded. */
export function registerAccess(access: DomainAccess): void {
  for (const [subject, scope] of Object.entries(access.scopes) as [Subject, string][]) {
    if (scopeNames.has(subject))
      throw new InvariantError('access_registered_twice', `access subject ${subject} is registered twice`);
    scopeNames.set(subject, scope);
  }
  domains.push(access);
  const names = [...new Set(scopeNames.values())].sort();
  KNOWN_SCOPES.splice(0, KNOWN_SCOPES.length, '*', ...names.flatMap((s) => [`${s}:read`, `${s}:write`]));
}

export function registeredDomains(): readonly DomainAccess[] {
  return domains;
}

/** The scope name of a subject, or undefined for one no domain registered. */
export function scopeName(subject: Subject): string | undefined {
  return scopeNames.get(subject);
}
