export * from './address-policy';
export * from './network-error-class';
export * from './outbound-http.client';
export * from './outbound-http.types';
export * from './retry-after';
export * from './custom-headers';
