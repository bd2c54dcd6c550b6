// What the cases lib adds to the permissions: a tenant's cases, operated (created, updated) by its admins and
// analysts, read by everyone; their events are read-only (ingestion writes them). API-key scopes cases:* and
// case_events:*.
import { Grant, NOTHING, registerAccess } from '@conduit/access';

declare module '@conduit/access' {
  interface SubjectRegistry {
    Case: true;
    CaseEvent: true;
  }
}

const operate: Grant = ({ can }, { acting }) => {
  can(['read', 'create', 'update'], 'Case', acting);
  can('read', 'CaseEvent', acting);
};
const read: Grant = ({ can }, { acting }) => can('read', ['Case', 'CaseEvent'], acting);

registerAccess({
  scopes: { Case: 'cases', CaseEvent: 'case_events' },
  roles: {
    platform_admin: NOTHING, // platform admins may manage everything already
    mssp_admin: operate,
    tenant_admin: operate,
    analyst: operate,
    viewer: read,
  },
});
