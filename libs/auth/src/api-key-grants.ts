// What an API key may hand on and act with: never more than it holds, nor more than the person who created it.
import { Role, roleAtLeast } from '@conduit/access';

/** Whether `held` (null or "*": the key's whole role) includes the scope `wanted`; "x:write" includes "x:read". */
export function scopeHeld(held: string[] | null, wanted: string): boolean {
  if (held === null || held.includes('*')) return true;
  if (wanted === '*') return false;
  if (held.includes(wanted)) return true;
  const [subject, level] = wanted.split(':');
  return level === 'read' && held.includes(`${subject}:write`);
}

/** The scopes of `wanted` that `held` does not include. */
export function scopesNotHeld(held: string[] | null, wanted: string[]): string[] {
  return wanted.filter((scope) => !scopeHeld(held, scope));
}

export function lowerRole(a: Role, b: Role): Role {
  return roleAtLeast(a, b) ? b : a;
}

/** The widest of `roles`, or null when there is none. */
export function highestRole(roles: readonly Role[]): Role | null {
  return roles.reduce<Role | null>((best, role) => (best && roleAtLeast(best, role) ? best : role), null);
}
