import { Module } from '@nestjs/common';
import { IngestionReconcileTimer } from './ingestion-reconcile.timer';
import { IngestionModule } from './ingestion.module';
import { IngestionProcessor } from './ingestion.processor';
import { SourceDirectoryRepairTimer } from './source-directory-repair.timer';
import { SourceDirectoryModule } from './source-directory.module';

/**
 * Ingestion's part of the worker: routing of accepted requests (the ingestion queue), its reconcile timer, and the
 * source directory's repair.
 */
@Module({
  imports: [IngestionModule, SourceDirectoryModule],
  providers: [IngestionProcessor, IngestionReconcileTimer, SourceDirectoryRepairTimer],
})
export class IngestionWorkerModule {}
