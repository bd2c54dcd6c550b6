export * from './api-errors.decorator';
export * from './request-meta';
export * from './json-schemas';
