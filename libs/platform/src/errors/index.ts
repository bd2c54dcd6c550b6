export * from './conduit.exception';
export * from './error-body';
