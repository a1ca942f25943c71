export * from './fixtures.js';
export * from './conformance.js';
export * from './cost-conformance.js';
export * from './threads.js';
