export * from './timestamp';
export * from './optional';
export * from './page-limit';
export * from './name';
export * from './strict-input';
