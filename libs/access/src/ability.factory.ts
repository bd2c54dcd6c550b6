// Roles become CASL abilities; conditions name the tenant so object checks cannot cross tenants.
import { AbilityBuilder, ForcedSubject, InferSubjects, MongoAbility, createMongoAbility } from '@casl/ability';
import type { Principal } from './principal';

export type Action = 'manage' | 'create' | 'read' | 'update' | 'delete';
export type Subject = 'Tenant' | 'User' | 'ApiKey' | 'AuditEvent' | 'all';
/** Shape the conditions are matched against when a service checks one object. */
export interface SubjectFields {
  id?: string;
  tenant_id?: string;
  /** tenants only: ids of this tenant and its ancestors */
  lineage?: string[];
}
type Tagged<N extends Exclude<Subject, 'all'>> = SubjectFields & ForcedSubject<N>;
type AppSubjects = InferSubjects<Tagged<'Tenant'> | Tagged<'User'> | Tagged<'ApiKey'> | Tagged<'AuditEvent'>, true> | 'all';
export type ConduitAbility = MongoAbility<[Action, AppSubjects]>;

export function buildAbility(principal: Principal, actingTenantId: string): ConduitAbility {
  const { can, cannot, build } = new AbilityBuilder<ConduitAbility>(createMongoAbility);
  const home = principal.homeTenantId;
  switch (principal.role) {
    case 'platform_admin':
      can('manage', 'all');
      break;
    case 'mssp_admin':
      can('manage', ['User', 'ApiKey'], { tenant_id: actingTenantId });
      can('read', 'AuditEvent', { tenant_id: actingTenantId });
      can('read', 'Tenant', { lineage: home });
      can(['create', 'update', 'delete'], 'Tenant', { lineage: home });
      cannot('delete', 'Tenant', { id: home });
      break;
    case 'tenant_admin':
      can('manage', ['User', 'ApiKey'], { tenant_id: actingTenantId });
      can('read', 'AuditEvent', { tenant_id: actingTenantId });
      can('read', 'Tenant', { id: home });
      break;
    case 'analyst':
    case 'viewer':
      can('read', 'Tenant', { id: home });
      break;
    default: {
      const exhaustive: never = principal.role;
      throw new Error(`unknown role ${String(exhaustive)}`);
    }
  }
  return build();
}
