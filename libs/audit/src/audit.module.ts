import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditEventsService } from './audit-events.service';
import { AuditLog } from './audit-log';
import { AuditEventEntity } from './entities/audit-event.entity';
// Registers the audit subjects, their API-key scopes and each role's rules with @conduit/access.
import './audit.access';

@Module({
  imports: [TypeOrmModule.forFeature([AuditEventEntity])],
  providers: [AuditLog, AuditEventsService],
  exports: [AuditLog, AuditEventsService],
})
export class AuditModule {}
