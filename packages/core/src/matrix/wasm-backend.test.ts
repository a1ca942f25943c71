import { readFileSync } from 'node:fs';
import { describe, it, expect } from 'vitest';
import type { ComputeBackend, GemmOptions } from './backend.js';
import { Matrix } from './matrix.js';
import { ReferenceBackend } from './reference-backend.js';
import { createWasmBackend, relaxedSimdAvailable, wasmAvailable, type WasmBackend } from './wasm-backend.js';

// Deterministic inputs: a small LCG keeps failures reproducible without pulling in the project RNG.
function filled(rows: number, cols: number, seed: number): Matrix {
  let s = seed >>> 0;
  const m = new Matrix(rows, cols);
  for (let i = 0; i < m.data.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    m.data[i] = s / 2 ** 31 - 1;
  }
  return m;
}

/** The same values as `filled`, but stored as a view at a nonzero offset inside a larger buffer. */
function filledView(rows: number, cols: number, seed: number, pad = 3): Matrix {
  const src = filled(rows, cols, seed);
  const big = new Float32Array(rows * cols + 2 * pad).fill(Number.NaN);
  big.set(src.data, pad);
  return new Matrix(rows, cols, big.subarray(pad, pad + rows * cols));
}

/** Stored shape of an operand so that op(X) has the requested logical shape. */
function stored(rows: number, cols: number, trans: boolean | undefined): [number, number] {
  return trans ? [cols, rows] : [rows, cols];
}

/** Per-element bound 1e-5·Σ_k|alpha·a·b| + 1e-5·|beta·c|, the scale float32 rounding errors grow with. */
function bounds(a: Matrix, b: Matrix, c0: Matrix, o: GemmOptions): Float64Array {
  const abs = (x: Matrix) => new Matrix(x.rows, x.cols, x.data.map(Math.abs));
  const mag = c0.clone();
  new ReferenceBackend().gemm(abs(a), abs(b), mag, { ...o, alpha: Math.abs(o.alpha ?? 1), beta: Math.abs(o.beta ?? 0) });
  return Float64Array.from(mag.data, (x) => 1e-5 * x + 1e-30);
}

function expectClose(got: Matrix, want: Matrix, tol: Float64Array, label: string): void {
  let worst = 0;
  let at = -1;
  for (let i = 0; i < want.data.length; i++) {
    const excess = Math.abs(got.data[i]! - want.data[i]!) / tol[i]!;
    if (!(excess <= worst)) [worst, at] = [excess, i];
  }
  expect(worst, `${label}: element ${at} got ${got.data[at]} want ${want.data[at]}`).toBeLessThanOrEqual(1);
}

function check(be: ComputeBackend, m: number, k: number, n: number, o: GemmOptions = {}, views = false): void {
  const make = views ? filledView : filled;
  const a = make(...stored(m, k, o.transA), m * 31 + k);
  const b = make(...stored(k, n, o.transB), n * 17 + k);
  const c0 = make(m, n, m + n);
  const want = c0.clone();
  new ReferenceBackend().gemm(a, b, want, o);
  const got = views ? filledView(m, n, m + n) : c0.clone();
  be.gemm(a, b, got, o);
  const absC = new Matrix(m, n, c0.data.map(Math.abs));
  expectClose(got, want, bounds(a, b, absC, o), `${be.name} ${m}x${k}x${n} ${JSON.stringify(o)}`);
}

const SHAPES: [number, number, number][] = [
  [1, 1, 1], [3, 5, 7], [2, 16, 16], [17, 33, 65], [1, 300, 17], [33, 257, 1],
  [64, 784, 256], [130, 257, 129], [5, 3, 600],
];
const TRANS: GemmOptions[] = [{}, { transA: true }, { transB: true }, { transA: true, transB: true }];

const builds: { label: string; make: () => WasmBackend }[] = [
  { label: 'baseline', make: () => createWasmBackend({ relaxed: false }) },
  { label: 'relaxed', make: () => createWasmBackend({ relaxed: true }) },
];

describe.skipIf(!wasmAvailable())('WasmBackend', () => {
  it('names the build it loaded', () => {
    expect(createWasmBackend({ relaxed: false }).name).toBe('wasm-simd');
    expect(createWasmBackend().name).toBe(relaxedSimdAvailable() ? 'wasm-relaxed-simd' : 'wasm-simd');
  });

  it('picks the relaxed build on Node 20+ (flag or native support)', () => {
    expect(relaxedSimdAvailable()).toBe(true);
  });

  for (const { label, make } of builds) {
    describe(label, () => {
      const be = make();

      for (const o of TRANS) {
        it(`matches the reference on odd shapes, ${JSON.stringify(o)}`, () => {
          for (const [m, k, n] of SHAPES) check(be, m, k, n, o);
        });
        it(`handles alpha, beta and subarray views, ${JSON.stringify(o)}`, () => {
          for (const [m, k, n] of SHAPES) check(be, m, k, n, { ...o, alpha: -0.75, beta: 1.5 }, true);
          check(be, 17, 300, 40, { ...o, alpha: 2, beta: 1 }, true);
          check(be, 3, 7, 5, { ...o, alpha: 0, beta: -1 });
        });
      }

      // C with ≤ 4 rows reads A and B in place instead of packing them. It must give the packed kernel's bits
      // (and so stay close to the reference). k = 600 spans three K blocks; n = 100, 7, 45 leave edge panels.
      it('small-M path: same bits as the packed kernel for M = 1..4, every trans, alpha and beta', () => {
        const shapes: [number, number, number][] = [[1, 784, 100], [2, 600, 7], [3, 10, 45], [4, 257, 64], [1, 1, 1], [4, 3, 33]];
        for (const [m, k, n] of shapes) {
          for (const t of TRANS) {
            for (const extra of [{}, { alpha: -0.5, beta: 0.75 }, { alpha: 2, beta: 1 }] as GemmOptions[]) {
              const o = { ...t, ...extra };
              const a = filled(...stored(m, k, o.transA), m + 7 * k);
              const b = filled(...stored(k, n, o.transB), n + 3 * k);
              const c0 = filled(m, n, 11);
              const fast = c0.clone();
              const packed = c0.clone();
              be.gemm(a, b, fast, o);
              be.smallM = false;
              try {
                be.gemm(a, b, packed, o);
              } finally {
                be.smallM = true;
              }
              expect(Array.from(fast.data), `${m}x${k}x${n} ${JSON.stringify(o)}`).toEqual(Array.from(packed.data));
              check(be, m, k, n, o);
            }
          }
        }
      });

      it('overwrites NaN in C when beta is 0', () => {
        const c = new Matrix(3, 18, new Float32Array(54).fill(Number.NaN));
        be.gemm(filled(3, 4, 1), filled(4, 18, 2), c);
        expect(c.data.every(Number.isFinite)).toBe(true);
      });

      it('scales C by beta when K is 0 and leaves empty results alone', () => {
        const c = filled(2, 3, 9);
        const want = Array.from(c.data, (x) => Math.fround(x * 0.5));
        be.gemm(new Matrix(2, 0), new Matrix(0, 3), c, { beta: 0.5 });
        expect(Array.from(c.data)).toEqual(want);
        be.gemm(new Matrix(0, 4), new Matrix(4, 3), new Matrix(0, 3));
      });

      it('stays correct across calls that grow memory and shrink again', () => {
        const seq: [number, number, number][] = [[4, 4, 4], [200, 600, 700], [3, 5, 7], [64, 784, 256], [1000, 64, 20], [2, 2, 2]];
        for (const [m, k, n] of seq) check(be, m, k, n, { beta: 0.5 });
        for (const [m, k, n] of seq.reverse()) check(be, m, k, n, { transA: true, transB: true });
      });
    });
  }

  it('baseline and relaxed agree', () => {
    const base = createWasmBackend({ relaxed: false });
    const relaxed = createWasmBackend({ relaxed: true });
    for (const o of TRANS) {
      for (const [m, k, n] of [[17, 33, 65], [64, 784, 256], [130, 257, 129]] as const) {
        const a = filled(...stored(m, k, o.transA), 5);
        const b = filled(...stored(k, n, o.transB), 6);
        const c1 = new Matrix(m, n);
        const c2 = new Matrix(m, n);
        base.gemm(a, b, c1, o);
        relaxed.gemm(a, b, c2, o);
        expectClose(c2, c1, bounds(a, b, new Matrix(m, n), o), `relaxed vs baseline ${m}x${k}x${n}`);
      }
    }
  });
});

describe.skipIf(!wasmAvailable())('fmaPeak (the bench ceiling probe)', () => {
  it('runs twelve independent multiply-add chains per iteration, as a float32 loop computes them', () => {
    // The project's libs have no WebAssembly types (as in kernels/wasm.ts): the three calls used, typed here.
    const wasm = (globalThis as unknown as { WebAssembly: {
      Memory: new (d: { initial: number; maximum: number; shared: boolean }) => unknown;
      Module: new (bytes: Uint8Array) => unknown;
      Instance: new (m: unknown, imports: object) => { exports: { fmaPeak(iterations: number, x: number): number } };
    } }).WebAssembly;
    const memory = new wasm.Memory({ initial: 1, maximum: 65536, shared: true });
    const bytes = readFileSync(new URL('../../build/gemm-simd.wasm', import.meta.url));
    const { fmaPeak } = new wasm.Instance(new wasm.Module(bytes), { env: { memory } }).exports;
    // The baseline build rounds after the multiply and after the add: exactly Math.fround's arithmetic.
    const f = Math.fround;
    for (const iterations of [0, 1, 37]) {
      const x = f(0.999);
      const c = Array.from({ length: 12 }, (_, j) => j);
      for (let i = 0; i < iterations; i++) for (let j = 0; j < 12; j++) c[j] = f(f(c[j]! * x) + f(1e-7));
      const add = (p: number, q: number) => f(p + q);
      const quad = (j: number) => add(add(c[j]!, c[j + 1]!), add(c[j + 2]!, c[j + 3]!));
      const want = add(add(quad(0), quad(4)), add(add(c[8]!, c[9]!), add(c[10]!, c[11]!)));
      expect(fmaPeak(iterations, 0.999)).toBe(want);
    }
  });
});

describe.runIf(!wasmAvailable())('WasmBackend without a build', () => {
  it('explains how to build the kernels', () => {
    expect(() => createWasmBackend()).toThrow(/pnpm build/);
  });
});
