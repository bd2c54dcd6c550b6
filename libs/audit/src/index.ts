// The public surface of @conduit/audit: only what other packages use. Everything else is internal.
export { AuditLog } from './audit-log';
export type { AuditEntry } from './audit-log';
export { requestAuditEntry } from './request-audit';
export { AuditApiModule } from './audit-api.module';
export { AuditModule } from './audit.module';
export { AUDIT_ACTION, Audited, AuditedByService, AuditedInHandler } from './audited.decorator';
export type { AuditSpec } from './audited.decorator';
