// The public surface of @conduit/audit: only what other packages use. Everything else is internal.
export { AuditEventsService } from './audit-events.service';
export { AuditLog } from './audit-log';
export { AuditModule } from './audit.module';
export { AuditEventListResponse, ListAuditEventsQueryDto } from './dto/audit-event.dto';
