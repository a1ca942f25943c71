import { describe, expect, it } from 'vitest';
import { createWasmBackend, Matrix, ReferenceBackend, referenceTrainingKernels as ref, wasmAvailable, type ComputeBackend } from '@txsim/core';
import { randomMatrix } from '@txsim/core/testing';
import { SigmoidLayer } from './activations.js';
import { DenseLayer } from './dense.js';

/**
 * The digital step the layers replace, written out with the reference GEMM and the TypeScript loops:
 * y = σ(x·W + b); with dy given, δ = dy·σ'(y), ∇W = xᵀ·δ, ∇b = Σ_rows δ, W −= η·∇W, b −= η·∇b.
 */
function referenceStep(w: Matrix, b: Float32Array, x: Matrix, dy: Matrix, lr: number): Float32Array {
  const be = new ReferenceBackend();
  const z = new Matrix(x.rows, w.cols);
  be.gemm(x, w, z);
  ref.biasAdd(z.data, b, z.data);
  const y = new Float32Array(z.data.length);
  ref.sigmoid(z.data, y);
  const d = new Matrix(x.rows, w.cols);
  ref.sigmoidBackward(y, dy.data, d.data);
  const g = new Matrix(w.rows, w.cols);
  be.gemm(x, d, g, { transA: true });
  const gb = new Float32Array(b.length);
  ref.columnSums(d.data, gb);
  ref.sgdStep(w.data, g.data, lr);
  ref.sgdStep(b, gb, lr);
  return y;
}

function layerStep(layer: DenseLayer, act: SigmoidLayer, x: Matrix, dy: Matrix, lr: number): Float32Array {
  const y = act.forward(layer.forward(x, true), true);
  const out = y.data.slice();
  layer.backward(act.backward(dy), false);
  layer.update(lr);
  return out;
}

/** Largest difference relative to the largest magnitude of b (entries near 0 get no relative license). */
function maxRel(a: Float32Array, b: Float32Array): number {
  let worst = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  return worst / scale;
}

describe.skipIf(!wasmAvailable())('dense layer step on the kernels', () => {
  it('forward, backward and the fused SGD update (W −= η·xᵀ·δ as one GEMM) match the reference loops', () => {
    for (const lr of [1, 0.3]) {
      const w0 = randomMatrix(37, 21, 'w', -0.5, 0.5);
      const b0 = Float32Array.from(randomMatrix(1, 21, 'b').data);
      const layer = new DenseLayer('fc', w0.clone(), b0.slice(), createWasmBackend({ threads: 1 }));
      const act = new SigmoidLayer('fc.act');
      const w = w0.clone();
      const b = b0.slice();
      for (let step = 0; step < 5; step++) {
        const x = randomMatrix(13, 37, `x${step}`);
        const dy = randomMatrix(13, 21, `dy${step}`);
        const got = layerStep(layer, act, x, dy, lr);
        const want = referenceStep(w, b, x, dy, lr);
        expect(maxRel(got, want), `output, step ${step}`).toBeLessThan(1e-5);
      }
      // Five steps of float32 rounding differences (GEMM summation order, polynomial e^x) stay tiny.
      expect(maxRel(layer.weights.data, w.data)).toBeLessThan(1e-5);
      expect(maxRel(layer.bias!, b)).toBeLessThan(1e-5);
      // And the steps moved the weights well past that tolerance, so the comparison can fail.
      expect(maxRel(layer.weights.data, w0.data)).toBeGreaterThan(1e-2);
    }
  });

  it('gives bit-identical weights on 1 and 2 GEMM threads', () => {
    const run = (backend: ComputeBackend) => {
      const layer = new DenseLayer('fc', randomMatrix(300, 200, 'w', -0.1, 0.1), new Float32Array(200), backend);
      const act = new SigmoidLayer('fc.act');
      for (let step = 0; step < 3; step++) layerStep(layer, act, randomMatrix(64, 300, `x${step}`), randomMatrix(64, 200, `dy${step}`), 0.5);
      return layer.weights.data;
    };
    const two = createWasmBackend({ threads: 2 });
    two.waitForThreads();
    const want = run(createWasmBackend({ threads: 1 }));
    const same = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(want.buffer, want.byteOffset, want.byteLength));
    // The worker takes GEMM chunks only when it is awake in time: on a busy machine repeat until it has.
    const before = two.workerChunks;
    for (let i = 0; i < 50 && two.workerChunks === before; i++) expect(same(run(two))).toBe(true);
    // 64·300·200 is past the GEMM's threading threshold, so the comparison covered split GEMMs.
    if (two.activeThreads > 1) expect(two.workerChunks).toBeGreaterThan(before);
  });

  it('keeps a training forward\'s output for backward across an inference forward of the same batch size', () => {
    const layer = new DenseLayer('fc', randomMatrix(8, 4, 'w'), new Float32Array(4), createWasmBackend({ threads: 1 }));
    const x = randomMatrix(3, 8, 'x');
    const y = layer.forward(x, true).data.slice();
    const kept = layer.forward(x, true);
    layer.forward(randomMatrix(3, 8, 'other'), false);
    expect(Array.from(kept.data)).toEqual(Array.from(y));
  });
});
