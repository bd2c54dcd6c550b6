import { WebhooksOut1763910000000 } from './1763910000000-webhooks-out';
import { DeliveriesHot1763940000000 } from './1763940000000-deliveries-hot';
import { DeliveriesDueInvariant1763960000000 } from './1763960000000-deliveries-due-invariant';

/** Webhooks' tables, in order (declared on WebhooksModule). */
export const WEBHOOKS_MIGRATIONS = [
  WebhooksOut1763910000000,
  DeliveriesHot1763940000000,
  DeliveriesDueInvariant1763960000000,
];
