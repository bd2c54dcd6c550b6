import { Module } from '@nestjs/common';
import { IntegrationsModule } from '@conduit/integrations';
import { TasksModule } from '@conduit/tasks';
import { IngestionTaskUsers } from './ingestion-task-users';
import { InstanceIngestionRepository } from '../repositories/instance-ingestion.repository';
import { InstanceIngestionService } from './instance-ingestion.service';

/** Instances' polling ingestion: the table, the API's service, and its registration as a task user. */
@Module({
  imports: [TasksModule, IntegrationsModule],
  providers: [InstanceIngestionRepository, InstanceIngestionService, IngestionTaskUsers],
  exports: [InstanceIngestionRepository, InstanceIngestionService],
})
export class CaseIngestionModule {}
