export * from './source-registry';
