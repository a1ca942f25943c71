import { describe, expect, it, vi } from 'vitest';
import { Matrix } from './matrix.js';
import { ReferenceBackend } from './reference-backend.js';
import { createWasmBackend, wasmAvailable } from './wasm-backend.js';

// A runtime where worker threads cannot be created (a sandbox, or a host that forbids them): the backend must
// fall back to the calling thread without a word and still compute the right product.
vi.mock('node:worker_threads', () => ({
  Worker: class {
    constructor() {
      throw new Error('worker threads are not available here');
    }
  },
}));

describe.skipIf(!wasmAvailable())('WASM GEMM without worker threads', () => {
  it('runs single-threaded when workers cannot be created', () => {
    const be = createWasmBackend({ threads: 4 });
    expect(be.threads).toBe(4);
    expect(be.waitForThreads(100)).toBe(1);
    const a = new Matrix(70, 90, Float32Array.from({ length: 70 * 90 }, (_, i) => Math.sin(i)));
    const b = new Matrix(90, 300, Float32Array.from({ length: 90 * 300 }, (_, i) => Math.cos(i)));
    const got = new Matrix(70, 300);
    const want = new Matrix(70, 300);
    be.gemm(a, b, got);
    new ReferenceBackend().gemm(a, b, want);
    let worst = 0;
    for (let i = 0; i < want.data.length; i++) worst = Math.max(worst, Math.abs(got.data[i]! - want.data[i]!));
    // |entries| ≤ 1 and K = 90, so float32 rounding stays far below 1e-4.
    expect(worst).toBeLessThan(1e-4);
  });
});
