export * from './id-generator';
export * from './uuid-v7';
