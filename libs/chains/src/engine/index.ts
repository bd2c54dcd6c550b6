export * from './chain-engine.module';
export * from './step-engine';
export * from './chain-reconciler';
export * from './chain-http-client';
export * from './credential-vault';
export * from './step-decision';
