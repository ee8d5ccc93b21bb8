export * from './demo-agencies.js';
export * from './demo-cluster.js';
export * from './scenario.js';
export * from './process-demo.js';
export * from './demo-read-model.js';
