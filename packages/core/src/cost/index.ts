export * from './types.js';
export * from './rollup.js';
export * from './resolve.js';
export * from './layer.js';
export * from './estimate.js';
