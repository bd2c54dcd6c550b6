export * from './expression';
export * from './template';
export * from './run-context';
export * from './evaluation-budget';
