// @conduit/ingestion/engine: ingestion's worker module (routing of received requests into events, its reconciler).
export { IngestionWorkerModule } from './ingestion-worker.module';
export { IngestionReconciler } from './ingestion-reconciler';
export { RoutingService } from './routing.service';
