import { HEARTBEAT_KEY_SUFFIX } from '@conduit/queues';

/** Redis keys written by maintenance jobs; absolute (the shared client has no key prefix). */
export const heartbeatKey = (prefix: string) => `${prefix}:${HEARTBEAT_KEY_SUFFIX}`;
export const probeKey = (prefix: string, marker: string) => `${prefix}:probe:${marker}`;
