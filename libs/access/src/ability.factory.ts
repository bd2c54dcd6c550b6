// Roles become CASL abilities from the rules every domain registered (access-registry.ts); conditions name the tenant
// so object checks cannot cross tenants.
import { AbilityBuilder, ForcedSubject, InferSubjects, MongoAbility, createMongoAbility } from '@casl/ability';
import { Rules, registeredDomains } from './access-registry';
import type { Principal } from './principal';
import type { Action, Subject, SubjectFields } from './subjects';

type Tagged<N extends Subject> = SubjectFields & ForcedSubject<N>;
type AppSubjects = InferSubjects<{ [N in Subject]: Tagged<N> }[Subject], true> | 'all';
export type ConduitAbility = MongoAbility<[Action, AppSubjects]>;

export function buildAbility(principal: Principal, actingTenantId: string): ConduitAbility {
  const { can, cannot, build } = new AbilityBuilder<ConduitAbility>(createMongoAbility);
  // Before the domains' rules, so a domain's `cannot` (nobody deletes their own home tenant) binds platform admins too.
  if (principal.role === 'platform_admin') can('manage', 'all');
  const rules = { can, cannot } as unknown as Rules;
  const grantee = { acting: { tenant_id: actingTenantId }, home: principal.homeTenantId };
  for (const domain of registeredDomains()) domain.roles[principal.role](rules, grantee);
  return build();
}
