export * from './id-generator';
