export * from './tx-context.js';
