import { WebhooksIn1763920000000 } from './1763920000000-webhooks-in';
import { SourceSecretHints1764000000000 } from './1764000000000-source-secret-hints';
import { SourceCaseMapping1764500000001 } from './1764500000001-source-case-mapping';
import { InboundSourceDirectory1764917000000 } from './1764917000000-inbound-source-directory';

/** Ingestion's tables, in order (declared on IngestionModule). */
export const INGESTION_MIGRATIONS = [
  WebhooksIn1763920000000,
  SourceSecretHints1764000000000,
  SourceCaseMapping1764500000001,
  InboundSourceDirectory1764917000000,
];
