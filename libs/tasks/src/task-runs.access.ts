// What running tasks adds to the permissions: analysts run tasks and cancel runs (like chains' runs), viewers read
// the history; API-key scope task_runs:read / task_runs:write.
import { Grant, NOTHING, registerAccess } from '@conduit/access';

declare module '@conduit/access' {
  interface SubjectRegistry {
    TaskRun: true;
  }
}

const operate: Grant = ({ can }, { acting }) => can('manage', 'TaskRun', acting);
const read: Grant = ({ can }, { acting }) => can('read', 'TaskRun', acting);

registerAccess({
  scopes: { TaskRun: 'task_runs' },
  roles: {
    platform_admin: NOTHING, // platform admins may manage everything already
    mssp_admin: operate,
    tenant_admin: operate,
    analyst: operate,
    viewer: read,
  },
});
