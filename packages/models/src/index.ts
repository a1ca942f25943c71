export * from './data/idx.js';
export * from './data/mnist.js';
export * from './layers/layer.js';
export * from './layers/dense.js';
export * from './layers/analog-linear.js';
export * from './layers/activations.js';
export * from './networks/sequential.js';
export * from './networks/mlp.js';
