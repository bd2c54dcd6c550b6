export * from './conduit.exception';
export * from './error-body';
export * from './error-response.dto';
export * from './unstorable-input';
export * from './queue-unavailable';
export * from './connection-failure';
export * from './coded-error';
