import { defineKernel, defineKernels } from '@txsim/core';

/** The exports of packages/nonidealities/assembly/output-noise.ts (addresses are byte offsets into the kernel memory). */
export interface OutputNoiseExports {
  rowAbsMax(src: number, out: number, batch: number, cols: number): void;
  addRowNoise(src: number, z: number, dst: number, scales: number, batch: number, width: number): void;
}

/** Output noise's compiled kernels, on core's shared kernel memory (built by `pnpm build`). */
export const outputNoiseKernels = defineKernels<OutputNoiseExports>('@txsim/nonidealities/output-noise', new URL('../build/output-noise.wasm', import.meta.url));

/** out[b] = max |src[b, i]| over each batch row of `cols` values: a read's largest drive per input vector. */
export const rowAbsMax = defineKernel(
  outputNoiseKernels,
  (api, memory, src: Float32Array, out: Float32Array, batch: number, cols: number): void => {
    const m = memory.begin();
    api.rowAbsMax(m.in(src), m.out(out), batch, cols);
    m.end();
  },
  (src: Float32Array, out: Float32Array, batch: number, cols: number): void => {
    for (let b = 0; b < batch; b++) {
      let m = 0;
      for (let i = 0; i < cols; i++) m = Math.max(m, Math.abs(src[b * cols + i]!));
      out[b] = m;
    }
  },
);

/** dst[b, j] = src[b, j] + scales[b]·z[b, j] over batch rows of `width` (f64 arithmetic, rounded to f32 once). */
export const addRowNoise = defineKernel(
  outputNoiseKernels,
  (api, memory, src: Float32Array, z: Float64Array, dst: Float32Array, scales: Float64Array, batch: number, width: number): void => {
    const m = memory.begin();
    api.addRowNoise(m.in(src), m.in(z), m.out(dst), m.in(scales), batch, width);
    m.end();
  },
  (src: Float32Array, z: Float64Array, dst: Float32Array, scales: Float64Array, batch: number, width: number): void => {
    for (let b = 0; b < batch; b++) {
      const s = scales[b]!;
      for (let j = b * width; j < (b + 1) * width; j++) dst[j] = src[j]! + s * z[j]!;
    }
  },
);
