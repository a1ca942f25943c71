export { kernels, reference as referenceKernels, type ReadChain, type SplitKernels, type UpdateChain } from './elementwise.js';
export { NormalStream, type NormalStreamState } from './normal-stream.js';
export { chunkCount, elementwiseThreads, rowChunkCount, elementwiseWorkerChunks, MIN_CHUNK, startElementwiseThreads } from './threads.js';
export { elementwiseModule, type ElementwiseExports, type ElementwiseModule, type ResidentArray, type Typed, type WasmMemory } from './wasm.js';
export { col2im, im2col, referenceCol2im, referenceIm2col } from './im2col.js';
export { referenceTrainingKernels, trainingKernels, type LossResult } from './training.js';
export { defineKernel, defineKernels, registeredKernels, RngBlock, runChunked, type ChunkArg, type RunChunkedOptions, type Kernel, type KernelModule, type KernelSource } from './registry.js';
