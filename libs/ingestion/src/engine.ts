// @conduit/ingestion/engine: routing of received requests into events and its reconciler, for the worker.
export { IngestionReconciler } from './ingestion-reconciler';
export { RoutingService } from './routing.service';
