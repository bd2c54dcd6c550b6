import { Module } from '@nestjs/common';
import { TenantsModule } from '@conduit/tenants';
import { CasesModule } from './cases.module';
import { CasePanelController } from './http/case-panel.controller';
import { CasesController } from './http/cases.controller';

/** The cases' routes (/api/v1/cases and the seed's case panel path), for apps/api. */
@Module({ imports: [CasesModule, TenantsModule], controllers: [CasesController, CasePanelController] })
export class CasesApiModule {}
