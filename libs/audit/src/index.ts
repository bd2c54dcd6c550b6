// The public surface of @conduit/audit: only what other packages use. Everything else is internal.
export { AuditLog } from './audit-log';
export { AuditApiModule } from './audit-api.module';
export { AuditModule } from './audit.module';
export { AUDIT_ACTION, Audited, AuditedByService } from './audited.decorator';
export type { AuditSpec } from './audited.decorator';
