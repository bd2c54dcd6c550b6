import { WebhooksIn1763920000000 } from './1763920000000-webhooks-in';

/** Ingestion's tables, in order (declared on IngestionModule). */
export const INGESTION_MIGRATIONS = [WebhooksIn1763920000000];
