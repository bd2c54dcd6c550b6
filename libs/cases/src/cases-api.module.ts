import { Module } from '@nestjs/common';
import { TenantsModule } from '@conduit/tenants';
import { CasesModule } from './cases.module';
import { CasePanelController } from './http/case-panel.controller';
import { CasesController } from './http/cases.controller';
import { CaseIngestionModule } from './polling/case-ingestion.module';
import { CaseIngestionStartTimeController, InstanceIngestionController } from './polling/instance-ingestion.controller';

/** The cases' routes (/api/v1/cases, instances' ingestion, and the seed's case panel and start-time paths). */
@Module({
  imports: [CasesModule, CaseIngestionModule, TenantsModule],
  controllers: [CasesController, CasePanelController, InstanceIngestionController, CaseIngestionStartTimeController],
})
export class CasesApiModule {}
