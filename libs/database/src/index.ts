export * from './database.module';
export * from './database-urls';
export * from './migrator';
export * from './tenant-context';
export * from './tenant-settings';
export * from './migrations';
export * from './tenant-sweep';
export * from './tenant-round-trip';
