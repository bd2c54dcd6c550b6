export * from './audit.module';
export * from './audit-log';
export * from './audit-events.service';
export * from './dto/audit-event.dto';
export * from './entities/audit-event.entity';
