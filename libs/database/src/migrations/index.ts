import { Foundation1763900000000 } from './1763900000000-foundation';
import { WebhooksOut1763910000000 } from './1763910000000-webhooks-out';
import { WebhooksIn1763920000000 } from './1763920000000-webhooks-in';
import { Chains1763930000000 } from './1763930000000-chains';
import { DeliveriesHot1763940000000 } from './1763940000000-deliveries-hot';
import { DUE_WORK_FUNCTIONS, DueWorkTenants1763950000000 } from './1763950000000-due-work-tenants';
import { DeliveriesDueInvariant1763960000000 } from './1763960000000-deliveries-due-invariant';
import { AnalyticsIndexes1763970000000 } from './1763970000000-analytics-indexes';
import { AnalyticsRollups1763980000000 } from './1763980000000-analytics-rollups';
import { ApiKeyRoles1763990000000 } from './1763990000000-api-key-roles';

/** Every migration, in order. Listed explicitly so bundled builds need no file globbing. */
export const MIGRATIONS = [
  Foundation1763900000000,
  WebhooksOut1763910000000,
  WebhooksIn1763920000000,
  Chains1763930000000,
  DeliveriesHot1763940000000,
  DueWorkTenants1763950000000,
  DeliveriesDueInvariant1763960000000,
  AnalyticsIndexes1763970000000,
  AnalyticsRollups1763980000000,
  ApiKeyRoles1763990000000,
];

/** Tables the runtime role may only read and append to. */
export const APPEND_ONLY_TABLES = ['audit_events'];

/**
 * Functions the runtime role may execute; migrations revoke them from PUBLIC, the migrator grants them (it knows the
 * role).
 */
export const RUNTIME_FUNCTIONS = [...DUE_WORK_FUNCTIONS];
