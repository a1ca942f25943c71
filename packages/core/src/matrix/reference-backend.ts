import { gemmShape, type ComputeBackend, type GemmOptions } from './backend.js';
import type { Matrix } from './matrix.js';

/**
 * Plain TypeScript GEMM: the oracle every faster kernel is tested against. It accumulates in float64
 * (JS numbers) and is 20–70× slower than the WASM kernel, so use it for tests, not training.
 */
export class ReferenceBackend implements ComputeBackend {
  readonly name = 'reference';

  gemm(a: Matrix, b: Matrix, c: Matrix, options: GemmOptions = {}): void {
    const { m, n, k } = gemmShape(a, b, c, options);
    const alpha = options.alpha ?? 1;
    const beta = options.beta ?? 0;
    const A = a.data;
    const B = b.data;
    const C = c.data;
    // Strides turn op(A)[i,p] and op(B)[p,j] into flat indexes without materialising transposes.
    const [ai, ap] = options.transA ? [1, a.cols] : [a.cols, 1];
    const [bp, bj] = options.transB ? [1, b.cols] : [b.cols, 1];
    const acc = new Float64Array(n);
    for (let i = 0; i < m; i++) {
      acc.fill(0);
      for (let p = 0; p < k; p++) {
        const av = A[i * ai + p * ap]!;
        if (av === 0) continue;
        const bBase = p * bp;
        for (let j = 0; j < n; j++) acc[j]! += av * B[bBase + j * bj]!;
      }
      const row = i * n;
      for (let j = 0; j < n; j++) {
        C[row + j] = beta === 0 ? alpha * acc[j]! : alpha * acc[j]! + beta * C[row + j]!;
      }
    }
  }
}
