import type { Action, Subject } from './ability.factory';

// API keys narrow their role with scopes such as "users:read" or "api_keys:write"; "*" keeps the whole role.
export const SCOPE_SUBJECTS: Record<Exclude<Subject, 'all'>, string> = {
  Tenant: 'tenants',
  User: 'users',
  ApiKey: 'api_keys',
  AuditEvent: 'audit_events',
  Subscription: 'subscriptions',
  Event: 'events',
  Delivery: 'deliveries',
  Source: 'sources',
  InboundEvent: 'inbound_events',
  Chain: 'chains',
  ChainRun: 'chain_runs',
  Credential: 'credentials',
  // The queue dashboard (/admin/queues): platform admins only, whatever the scope.
  Queue: 'queues',
};

export const KNOWN_SCOPES = ['*', ...Object.values(SCOPE_SUBJECTS).flatMap((s) => [`${s}:read`, `${s}:write`])];

export function scopeAllows(scopes: string[] | null, action: Action, subject: Exclude<Subject, 'all'>): boolean {
  if (scopes === null || scopes.includes('*')) return true;
  const name = SCOPE_SUBJECTS[subject];
  if (scopes.includes(`${name}:write`)) return true;
  return action === 'read' && scopes.includes(`${name}:read`);
}
