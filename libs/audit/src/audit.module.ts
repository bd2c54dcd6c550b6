import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditEventsService } from './audit-events.service';
import { AuditLog } from './audit-log';
import { AuditEventEntity } from './entities/audit-event.entity';
import { AuditEventsRepository } from './repositories/audit-events.repository';
// Registers the audit subjects, their API-key scopes and each role's rules with @conduit/access.
import './audit.access';

@Module({
  imports: [TypeOrmModule.forFeature([AuditEventEntity])],
  providers: [AuditEventsRepository, AuditLog, AuditEventsService],
  exports: [AuditLog, AuditEventsService],
})
export class AuditModule {}
