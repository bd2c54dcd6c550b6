import { Module } from '@nestjs/common';
import { CasesModule } from './cases.module';
import { CaseRetention } from './engine/case-retention';

/** Cases' part of the worker: the retention of case events and closed cases (run by the worker's retention sweep). */
@Module({ imports: [CasesModule], providers: [CaseRetention], exports: [CaseRetention] })
export class CasesWorkerModule {}
