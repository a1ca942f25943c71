export { kernels, reference as referenceKernels } from './elementwise.js';
export { NormalStream, type NormalStreamState } from './normal-stream.js';
export { elementwiseModule } from './wasm.js';
