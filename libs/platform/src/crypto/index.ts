export * from './envelope-encryption';
export * from './hmac';
export * from './master-keyring';
