export * from './timestamp';
export * from './optional';
