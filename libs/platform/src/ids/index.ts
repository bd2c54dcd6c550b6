export * from './id-generator';
export * from './uuid-v7';
export * from './tenant-id';
