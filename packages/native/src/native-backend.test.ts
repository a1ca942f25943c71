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

  // Batch-1 and small-batch reads skip packing; the unpacked path must give the packed path's bits, and both
  // must match the float64 reference. k = 600 spans three KC blocks; n = 100, 7 and 45 leave column tails.
  describe('small-M path', () => {
    const shapes: Array<[number, number, number]> = [[1, 784, 100], [2, 600, 7], [3, 10, 45], [4, 257, 64], [1, 1, 1], [4, 3, 33]];
    for (const [m, k, n] of shapes) {
      for (const transA of [false, true]) {
        for (const transB of [false, true]) {
          it(`${m}×${k}×${n}, transA ${transA}, transB ${transB}: same bits as the packed path, close to the reference`, () => {
            const a = transA ? randomMatrix(k, m, 'ga') : randomMatrix(m, k, 'ga');
            const b = transB ? randomMatrix(n, k, 'gb') : randomMatrix(k, n, 'gb');
            const c0 = randomMatrix(m, n, 'gc');
            for (const extra of [{}, { alpha: -0.5, beta: 0.75 }, { alpha: 2, beta: 1 }] as GemmOptions[]) {
              const options = { transA, transB, ...extra };
              const run = (be: { gemm: NativeBackend['gemm'] }) => {
                const c = new Matrix(m, n, c0.data.slice());
                be.gemm(a, b, c, options);
                return c.data;
              };
              const fast = run(new NativeBackend({ threads: 1 }));
              const packed = run(new NativeBackend({ threads: 1, gemvMaxRows: 0 }));
              const want = run(reference);
              expect(Array.from(fast)).toEqual(Array.from(packed));
              const tol = 4 * k * 1.2e-7 * want.reduce((mx, v) => Math.max(mx, Math.abs(v)), 1);
              for (let i = 0; i < want.length; i++) expect(Math.abs(fast[i]! - want[i]!)).toBeLessThanOrEqual(tol);
            }
          });
        }
      }
    }

    it('splits a wide small-M product between threads without changing its bits', () => {
      const a = randomMatrix(3, 700, 'wa');
      const b = randomMatrix(700, 2000, 'wb');
      const out = [1, 2, 3].map((threads) => {
        const c = new Matrix(3, 2000);
        new NativeBackend({ threads }).gemm(a, b, c);
        return Array.from(c.data);
      });
      const packed = new Matrix(3, 2000);
      new NativeBackend({ threads: 1, gemvMaxRows: 0 }).gemm(a, b, packed);
      expect(out[1]).toEqual(out[0]);
      expect(out[2]).toEqual(out[0]);
      expect(out[0]).toEqual(Array.from(packed.data));
    });
  });

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
