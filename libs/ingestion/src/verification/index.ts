export * from './delivery-metadata';
