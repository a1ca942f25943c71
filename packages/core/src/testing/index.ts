export * from './fixtures.js';
export * from './conformance.js';
