export * from './queue-names';
export * from './redis-connection';
export * from './redis-client';
export * from './redis-outage';
export * from './redis-availability';
export * from './queues.module';
export * from './queue-metrics';
export * from './job-schemas';
