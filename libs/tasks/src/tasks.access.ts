// What the tasks lib adds to the permissions: an integration's tasks, read by all the tenant's members, changed by
// its admins (like integrations), API-key scope tasks:read / tasks:write.
import { Grant, NOTHING, registerAccess } from '@conduit/access';

declare module '@conduit/access' {
  interface SubjectRegistry {
    Task: true;
  }
}

const manage: Grant = ({ can }, { acting }) => can('manage', 'Task', acting);
const read: Grant = ({ can }, { acting }) => can('read', 'Task', acting);

registerAccess({
  scopes: { Task: 'tasks' },
  roles: {
    platform_admin: NOTHING, // platform admins may manage everything already
    mssp_admin: manage,
    tenant_admin: manage,
    analyst: read,
    viewer: read,
  },
});
