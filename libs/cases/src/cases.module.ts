import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Migrations } from '@conduit/database';
import { IntegrationsModule } from '@conduit/integrations';
import { WebhooksModule } from '@conduit/webhooks';
import { CaseIngest } from './case-ingest';
import { CasesService } from './cases.service';
import { CaseEventEntity } from './entities/case-event.entity';
import { CaseEntity } from './entities/case.entity';
import { CASES_MIGRATIONS } from './migrations';
import { CaseEventsRepository } from './repositories/case-events.repository';
import { CasesRepository } from './repositories/cases.repository';
// Registers the Case and CaseEvent subjects, their API-key scopes and each role's rules with @conduit/access.
import './cases.access';

/** Cases and their events: the tables, CaseIngest (shared by polling and push) and the API's service. */
@Migrations(...CASES_MIGRATIONS)
@Module({
  imports: [TypeOrmModule.forFeature([CaseEntity, CaseEventEntity]), IntegrationsModule, WebhooksModule],
  providers: [CasesRepository, CaseEventsRepository, CaseIngest, CasesService],
  exports: [CasesRepository, CaseEventsRepository, CaseIngest, CasesService],
})
export class CasesModule {}
