export * from './verification.types';
export * from './verify-inbound';
export * from './delivery-metadata';
