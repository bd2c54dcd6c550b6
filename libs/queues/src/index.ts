export * from './queue-names';
export * from './redis-connection';
export * from './queues.module';
export * from './queue-metrics';
