// Roles become CASL abilities; conditions name the tenant so object checks cannot cross tenants.
import { AbilityBuilder, ForcedSubject, InferSubjects, MongoAbility, createMongoAbility } from '@casl/ability';
import { unreachable } from '@conduit/platform';
import type { Principal } from './principal';

export type Action = 'manage' | 'create' | 'read' | 'update' | 'delete';
export type Subject =
  | 'Tenant'
  | 'User'
  | 'ApiKey'
  | 'AuditEvent'
  | 'Subscription'
  | 'Event'
  | 'Delivery'
  | 'Source'
  | 'InboundEvent'
  | 'Chain'
  | 'ChainRun'
  | 'Credential'
  | 'Queue'
  | 'all';
/** Shape the conditions are matched against when a service checks one object. */
export interface SubjectFields {
  id?: string;
  tenant_id?: string;
  /** tenants only: ids of this tenant and its ancestors */
  lineage?: string[];
}
type Tagged<N extends Exclude<Subject, 'all'>> = SubjectFields & ForcedSubject<N>;
type AppSubjects =
  | InferSubjects<
      | Tagged<'Tenant'>
      | Tagged<'User'>
      | Tagged<'ApiKey'>
      | Tagged<'AuditEvent'>
      | Tagged<'Subscription'>
      | Tagged<'Event'>
      | Tagged<'Delivery'>
      | Tagged<'Source'>
      | Tagged<'InboundEvent'>
      | Tagged<'Chain'>
      | Tagged<'ChainRun'>
      | Tagged<'Credential'>
      | Tagged<'Queue'>,
      true
    >
  | 'all';
export type ConduitAbility = MongoAbility<[Action, AppSubjects]>;

export function buildAbility(principal: Principal, actingTenantId: string): ConduitAbility {
  const { can, cannot, build } = new AbilityBuilder<ConduitAbility>(createMongoAbility);
  const home = principal.homeTenantId;
  const inActing = { tenant_id: actingTenantId };
  // Webhook work is operational: analysts run it, viewers watch it.
  const operate = () => {
    can('manage', 'Subscription', inActing);
    can(['create', 'read'], 'Event', inActing);
    can(['read', 'update'], 'Delivery', inActing);
    can('manage', 'Source', inActing);
    can(['read', 'update'], 'InboundEvent', inActing);
    can('manage', ['Chain', 'ChainRun'], inActing);
    // Credential metadata (names to use in templates); values are never readable by anyone.
    can('read', 'Credential', inActing);
  };
  switch (principal.role) {
    case 'platform_admin':
      can('manage', 'all');
      // Nobody deletes their own home tenant: it would lock them out with it (services also refuse suspending it).
      cannot('delete', 'Tenant', { id: home });
      break;
    case 'mssp_admin':
      can('manage', ['User', 'ApiKey', 'Credential'], inActing);
      can('read', 'AuditEvent', inActing);
      operate();
      can('read', 'Tenant', { lineage: home });
      can(['create', 'update', 'delete'], 'Tenant', { lineage: home });
      cannot('delete', 'Tenant', { id: home });
      break;
    case 'tenant_admin':
      can('manage', ['User', 'ApiKey', 'Credential'], inActing);
      can('read', 'AuditEvent', inActing);
      operate();
      can('read', 'Tenant', { id: home });
      break;
    case 'analyst':
      operate();
      can('read', 'Tenant', { id: home });
      break;
    case 'viewer':
      can('read', ['Subscription', 'Event', 'Delivery', 'Source', 'InboundEvent', 'Chain', 'ChainRun'], inActing);
      can('read', 'Tenant', { id: home });
      break;
    default:
      unreachable(principal.role, 'role');
  }
  return build();
}
