export * from './delivery.module';
export * from './delivery-engine';
export * from './delivery-http-client';
export * from './delivery-reconciler';
export * from './delivery-request';
export * from './retention-sweeper';
export * from './retry-policy';
export * from './subscription-credentials';
