import { Module } from '@nestjs/common';
import { IntegrationsModule } from '@conduit/integrations';
import { TaskEngineModule } from '@conduit/tasks/engine';
import { CasesModule } from './cases.module';
import { CaseRetention } from './engine/case-retention';
import { IngestionEnrichment } from './engine/ingestion-enrichment';
import { IngestionPoller, IngestionTimer } from './engine/ingestion-poller';
import { CaseIngestionModule } from './polling/case-ingestion.module';

/**
 * Cases' part of the worker: polling ingestion (the sweep timer and the poller over the task executor) and the
 * retention of case events and closed cases (run by the worker's retention sweep).
 */
@Module({
  imports: [CasesModule, CaseIngestionModule, TaskEngineModule, IntegrationsModule],
  providers: [CaseRetention, IngestionEnrichment, IngestionPoller, IngestionTimer],
  exports: [CaseRetention, IngestionPoller],
})
export class CasesWorkerModule {}
