import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditEventsService } from './audit-events.service';
import { AuditLog } from './audit-log';
import { AuditEventEntity } from './entities/audit-event.entity';

@Module({
  imports: [TypeOrmModule.forFeature([AuditEventEntity])],
  providers: [AuditLog, AuditEventsService],
  exports: [AuditLog, AuditEventsService],
})
export class AuditModule {}
