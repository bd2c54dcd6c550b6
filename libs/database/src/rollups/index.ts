export * from './analytics-rollups';
export * from './rollup-plan';
export * from './rollup-stats';
