import { Module } from '@nestjs/common';
import { AuditModule } from './audit.module';
import { AuditEventsController } from './http/audit-events.controller';

/** The audit trail's route (GET /api/v1/audit-events), for apps/api. */
@Module({ imports: [AuditModule], controllers: [AuditEventsController] })
export class AuditApiModule {}
