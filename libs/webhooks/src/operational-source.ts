/**
 * The source of Conduit's own operational events (endpoint.disabled, message.attempt.exhausted, license.*,
 * monitor.down, monitor.up), published into a tenant's own stream so its admins can subscribe to them. Clients cannot
 * publish under it (PublishEventDto), and the licence's monthly event count leaves these out.
 */
export const OPERATIONAL_SOURCE = 'conduit';

/** The prefix of the source of what routing publishes from received webhooks (`inbound:<source name>`). */
export const ROUTED_SOURCE_PREFIX = 'inbound:';
