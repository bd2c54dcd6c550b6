// Marks routes that open their own transactions instead of running in the request's one.
import { SetMetadata } from '@nestjs/common';

export const OWN_TRANSACTIONS = 'conduit.ownTransactions';

/**
 * The handler runs outside the request's transaction and opens its own (TenantContext.runInTenant): for a route that
 * waits on something slow between its writes, an outbound HTTP exchange, which must not hold a pooled connection idle
 * in a transaction meanwhile. Its audit row is then written in a transaction of its own.
 */
export const OwnTransactions = (): MethodDecorator => SetMetadata(OWN_TRANSACTIONS, true);
