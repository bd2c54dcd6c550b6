export * from './roles';
export * from './principal';
export * from './ability.factory';
export * from './policy.decorators';
export * from './api-key-scopes';
export * from './access.service';
export * from './access.module';
export * from './metrics-endpoint';
