import { Cases1764500000000 } from './1764500000000-cases';
import { InstanceIngestion1764510000000 } from './1764510000000-instance-ingestion';
import { CaseEventEnrichment1764520000000 } from './1764520000000-case-event-enrichment';

/** The cases lib's tables, in order. */
export const CASES_MIGRATIONS = [Cases1764500000000, InstanceIngestion1764510000000, CaseEventEnrichment1764520000000];
