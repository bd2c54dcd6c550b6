// The queues as a permission subject: the queue dashboard (/admin/queues) is for platform admins only, who manage
// everything; no other role gets anything, whatever a key's scope.
import { NOTHING, registerAccess } from '@conduit/access';

declare module '@conduit/access' {
  interface SubjectRegistry {
    Queue: true;
  }
}

registerAccess({
  scopes: { Queue: 'queues' },
  roles: { platform_admin: NOTHING, mssp_admin: NOTHING, tenant_admin: NOTHING, analyst: NOTHING, viewer: NOTHING },
});
