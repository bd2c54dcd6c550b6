// What the audit trail adds to the permissions: admins read their tenant's audit events.
import { Grant, NOTHING, registerAccess } from '@conduit/access';

declare module '@conduit/access' {
  interface SubjectRegistry {
    AuditEvent: true;
  }
}

const readAudit: Grant = ({ can }, { acting }) => can('read', 'AuditEvent', acting);

registerAccess({
  scopes: { AuditEvent: 'audit_events' },
  roles: {
    platform_admin: NOTHING,
    mssp_admin: readAudit,
    tenant_admin: readAudit,
    analyst: NOTHING,
    viewer: NOTHING,
  },
});
