import { Module } from '@nestjs/common';
import { IngestionReconcileTimer } from './ingestion-reconcile.timer';
import { IngestionModule } from './ingestion.module';
import { IngestionProcessor } from './ingestion.processor';

/** Ingestion's part of the worker: routing of accepted requests (the ingestion queue) and its reconcile timer. */
@Module({ imports: [IngestionModule], providers: [IngestionProcessor, IngestionReconcileTimer] })
export class IngestionWorkerModule {}
