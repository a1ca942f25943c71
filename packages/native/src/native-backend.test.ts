import { kernels, Matrix, ReferenceBackend, type GemmOptions } from '@txsim/core';
import { randomMatrix } from '@txsim/core/testing';
import { describe, expect, it } from 'vitest';
import { NativeBackend, nativeAvailable, nativeFmaPeak, nativeUnavailableReason } from './index.js';

// The install step builds the addon where a C++ toolchain exists; where it does not, these tests are
// reported as skipped (and txsim runs on the WASM kernel), never silently passed.
const available = nativeAvailable();

describe.skipIf(!available)('native GEMM kernel', () => {
  const reference = new ReferenceBackend();
  const cases: Array<[number, number, number]> = [[1, 1, 1], [7, 13, 29], [6, 16, 16], [65, 257, 33], [70, 300, 530], [64, 784, 256]];

  for (const [m, k, n] of cases) {
    for (const transA of [false, true]) {
      for (const transB of [false, true]) {
        it(`equals the reference kernel on ${m}×${k}×${n}, transA ${transA}, transB ${transB}, alpha/beta`, () => {
          const a = transA ? randomMatrix(k, m, 'a') : randomMatrix(m, k, 'a');
          const b = transB ? randomMatrix(n, k, 'b') : randomMatrix(k, n, 'b');
          const c0 = randomMatrix(m, n, 'c');
          for (const options of [{ transA, transB }, { transA, transB, alpha: -0.5, beta: 0.75 }] as GemmOptions[]) {
            const want = new Matrix(m, n, c0.data.slice());
            const got = new Matrix(m, n, c0.data.slice());
            reference.gemm(a, b, want, options);
            new NativeBackend({ threads: 1 }).gemm(a, b, got, options);
            // Float32 accumulation vs the reference's float64: error bounded by k·ε relative to Σ|a·b|.
            const tol = 4 * k * 1.2e-7 * want.data.reduce((m, v) => Math.max(m, Math.abs(v)), 1);
            for (let i = 0; i < want.data.length; i++) expect(Math.abs(got.data[i]! - want.data[i]!)).toBeLessThanOrEqual(tol);
          }
        });
      }
    }
  }

  // Wide C is split by columns, tall C by rows (and the tall case runs through more than one MC block).
  it.each([[130, 700, 1030], [787, 300, 70]])('gives bit-identical results for 1, 2 and 3 threads (%i×%i×%i)', (m, k, n) => {
    const a = randomMatrix(m, k, 'ta');
    const b = randomMatrix(k, n, 'tb');
    const out = [1, 2, 3].map((threads) => {
      const c = new Matrix(m, n);
      new NativeBackend({ threads }).gemm(a, b, c);
      return c.data;
    });
    expect(Array.from(out[1]!)).toEqual(Array.from(out[0]!));
    expect(Array.from(out[2]!)).toEqual(Array.from(out[0]!));
  });

  it('reads and writes operands that live in kernel memory (a shared WebAssembly memory) like any other', () => {
    // Layers keep their outputs and batches there; the addon must see the same floats through those views.
    const resident = (m: Matrix) => {
      const r = new Matrix(m.rows, m.cols, kernels.float32(m.data.length));
      r.data.set(m.data);
      return r;
    };
    const a = randomMatrix(64, 300, 'ra');
    const b = randomMatrix(64, 200, 'rb');
    const c = randomMatrix(300, 200, 'rc');
    const be = new NativeBackend({ threads: 2 });
    const want = c.clone();
    be.gemm(a, b, want, { transA: true, alpha: -0.5, beta: 1 });
    const got = resident(c);
    be.gemm(resident(a), resident(b), got, { transA: true, alpha: -0.5, beta: 1 });
    expect(Array.from(got.data)).toEqual(Array.from(want.data));
    expect(Array.from(want.data)).not.toEqual(Array.from(c.data));
  });

  it('overwrites C when beta is 0, even if C held NaN', () => {
    const c = new Matrix(3, 4);
    c.data.fill(NaN);
    new NativeBackend().gemm(randomMatrix(3, 5, 'x'), randomMatrix(5, 4, 'y'), c);
    expect(c.data.every(Number.isFinite)).toBe(true);
  });
});

describe('native kernel availability', () => {
  it('explains why it is unavailable, or loads', () => {
    if (available) expect(nativeUnavailableReason()).toBe('');
    else expect(nativeUnavailableReason()).toMatch(/not built|\.node/);
  });

  it('rejects mismatched shapes before calling the addon', () => {
    if (!available) return;
    expect(() => new NativeBackend().gemm(new Matrix(2, 3), new Matrix(4, 5), new Matrix(2, 5))).toThrow(/inner dimensions/);
  });
});

describe.skipIf(!available)('native FMA ceiling probe', () => {
  it('reports the flops of the iterations it ran: 2 × lanes × 10 chains each, at a vector width of 4, 8 or 16 lanes', () => {
    const perIteration = nativeFmaPeak(1000) / 1000 / 20;
    expect([4, 8, 16]).toContain(perIteration);
    expect(nativeFmaPeak(0)).toBe(0);
    expect(nativeFmaPeak(3000)).toBe(3000 * 20 * perIteration);
  });
});
