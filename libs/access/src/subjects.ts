// The subjects permissions are about. libs/access names none: each domain lib adds its own to SubjectRegistry by
// declaration merging, so abilities, @CheckPolicy and AccessService.assert stay typed without a central list:
//
//   declare module '@conduit/access' {
//     interface SubjectRegistry { Subscription: true; Event: true }
//   }

// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- filled by the domain libs (declaration merging)
export interface SubjectRegistry {}

export type Subject = keyof SubjectRegistry & string;
export type Action = 'manage' | 'create' | 'read' | 'update' | 'delete';

/** Shape the conditions are matched against when a service checks one object. */
export interface SubjectFields {
  id?: string;
  tenant_id?: string;
  /** tenants only: ids of this tenant and its ancestors */
  lineage?: string[];
}
