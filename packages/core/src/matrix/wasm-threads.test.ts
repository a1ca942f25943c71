import { afterAll, describe, expect, it } from 'vitest';
import { availableParallelism } from 'node:os';
import type { GemmOptions } from './backend.js';
import { Matrix } from './matrix.js';
import { ReferenceBackend } from './reference-backend.js';
import { createWasmBackend, defaultThreads, wasmAvailable, type WasmBackend } from './wasm-backend.js';

// Seeded xorshift32, so every shape and value below is reproducible without the project RNG.
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
}

function random(rows: number, cols: number, next: () => number): Matrix {
  const m = new Matrix(rows, cols);
  for (let i = 0; i < m.data.length; i++) m.data[i] = next() * 2 - 1;
  return m;
}

interface Case {
  m: number;
  k: number;
  n: number;
  o: GemmOptions;
  a: Matrix;
  b: Matrix;
  c0: Matrix;
}

function makeCase(m: number, k: number, n: number, o: GemmOptions, next: () => number): Case {
  const a = o.transA ? random(k, m, next) : random(m, k, next);
  const b = o.transB ? random(n, k, next) : random(k, n, next);
  return { m, k, n, o, a, b, c0: random(m, n, next) };
}

function run(be: WasmBackend, t: Case): Matrix {
  const c = t.c0.clone();
  be.gemm(t.a, t.b, c, t.o);
  return c;
}

/** Per-element float32 error bound: 2e-6·(k+4)·Σ_p|alpha·a·b| + 1e-6·|beta·c|, computed in float64. */
function expectNearReference(got: Matrix, t: Case, label: string): void {
  const want = t.c0.clone();
  new ReferenceBackend().gemm(t.a, t.b, want, t.o);
  const abs = (x: Matrix) => new Matrix(x.rows, x.cols, x.data.map(Math.abs));
  const mag = abs(t.c0);
  new ReferenceBackend().gemm(abs(t.a), abs(t.b), mag, { ...t.o, alpha: Math.abs(t.o.alpha ?? 1), beta: Math.abs(t.o.beta ?? 0) });
  let worst = 0;
  for (let i = 0; i < want.data.length; i++) {
    const tol = 1e-6 * Math.sqrt(t.k + 4) * mag.data[i]! + 1e-30;
    worst = Math.max(worst, Math.abs(got.data[i]! - want.data[i]!) / tol);
  }
  expect(worst, label).toBeLessThanOrEqual(1);
}

/** Number of elements whose bit patterns differ (NaN-safe, and -0 ≠ +0). */
function bitDiff(x: Matrix, y: Matrix): number {
  const a = new Uint32Array(x.data.buffer, x.data.byteOffset, x.data.length);
  const b = new Uint32Array(y.data.buffer, y.data.byteOffset, y.data.length);
  let d = 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) d++;
  return d;
}

const TRANS: GemmOptions[] = [{}, { transA: true }, { transB: true }, { transA: true, transB: true }];
const SCALES: GemmOptions[] = [{}, { alpha: -0.75 }, { beta: 1 }, { alpha: 1.25, beta: -0.5 }, { alpha: 0, beta: 2 }];

describe.skipIf(!wasmAvailable())('WASM GEMM on several threads', () => {
  const made: WasmBackend[] = [];
  const make = (relaxed: boolean, threads: number): WasmBackend => {
    const be = createWasmBackend({ relaxed, threads });
    made.push(be);
    return be;
  };
  afterAll(() => {
    for (const be of made) be.dispose();
  });

  for (const relaxed of [false, true]) {
    describe(relaxed ? 'relaxed build' : 'baseline build', () => {
      const single = make(relaxed, 1);
      const multi = [2, 3].map((threads) => make(relaxed, threads));

      it('starts the requested worker threads', () => {
        expect(single.activeThreads).toBe(1);
        for (const be of multi) expect(be.waitForThreads()).toBe(be.threads);
      });

      it('matches the reference on random shapes across the cache blocks, every transpose and alpha/beta', () => {
        const next = rng(relaxed ? 7 : 11);
        // Edges of the 2×16 tile and of the KC = 256, MC = 120, NC = 512 blocks, plus random odd sizes.
        const dims = [1, 2, 3, 15, 16, 17, 119, 121, 255, 257, 513];
        for (let i = 0; i < 24; i++) {
          const pick = () => (next() < 0.5 ? dims[Math.floor(next() * dims.length)]! : 1 + Math.floor(next() * 300));
          const o = { ...TRANS[i % 4]!, ...SCALES[i % 5]! };
          const t = makeCase(pick(), pick(), pick(), o, next);
          for (const be of [single, ...multi]) {
            expectNearReference(run(be, t), t, `${be.threads} threads ${t.m}x${t.k}x${t.n} ${JSON.stringify(o)}`);
          }
        }
      });

      it('gives bit-identical results on 1, 2 and 3 threads (row and column splits, growing memory)', () => {
        for (const be of multi) be.waitForThreads();
        const next = rng(relaxed ? 3 : 5);
        // Wider than tall splits by columns, taller than wide by rows; sizes leave partial tiles in every
        // share, K spans several KC blocks, and each shape is larger than the last so memory grows meanwhile.
        const shapes: [number, number, number][] = [
          [64, 784, 256], [784, 64, 256], [50, 300, 333], [333, 300, 50], [130, 600, 531], [700, 257, 97],
        ];
        let compared = 0;
        for (const [i, [m, k, n]] of shapes.entries()) {
          const t = makeCase(m, k, n, { ...TRANS[i % 4]!, ...SCALES[i % 5]! }, next);
          const want = run(single, t);
          for (const be of multi) {
            expect(bitDiff(run(be, t), want), `${be.threads} threads ${m}x${k}x${n}`).toBe(0);
            compared++;
          }
        }
        expect(compared).toBe(shapes.length * multi.length);
        for (const be of multi) expect(be.activeThreads).toBe(be.threads);
      });

      it('splits a wide small-M product (the unpacked path) between threads with the packed bits', () => {
        for (const be of multi) be.waitForThreads();
        // 2·3·700·2000 flops is over the split threshold; each thread's column chunk takes the small-M path.
        const t = makeCase(3, 700, 2000, { alpha: -0.5, beta: 0.25 }, rng(29));
        single.smallM = false;
        let packed: Matrix;
        try {
          packed = run(single, t);
        } finally {
          single.smallM = true;
        }
        expect(bitDiff(run(single, t), packed)).toBe(0);
        for (const be of multi) expect(bitDiff(run(be, t), packed), `${be.threads} threads`).toBe(0);
      });

      it('has the workers compute chunks, bit-identical to one thread', () => {
        // Workers take chunks only when they are awake in time, so on a busy machine repeat until they have.
        const t = makeCase(256, 256, 256, {}, rng(23));
        const want = run(single, t);
        for (const be of multi) {
          const before = be.workerChunks;
          for (let i = 0; i < 500 && be.workerChunks === before; i++) {
            expect(bitDiff(run(be, t), want)).toBe(0);
          }
          expect(be.workerChunks, `${be.threads} threads`).toBeGreaterThan(before);
        }
      });

      it('keeps computing on the calling thread after dispose', () => {
        // A thread count no other test uses, since createWasmBackend shares one backend per options.
        const be = make(relaxed, 4);
        be.waitForThreads();
        const t = makeCase(96, 200, 160, { beta: 0.5 }, rng(17));
        const before = run(be, t);
        be.dispose();
        expect(be.activeThreads).toBe(1);
        expect(bitDiff(run(be, t), before)).toBe(0);
        expectNearReference(before, t, 'dispose');
        const fresh = make(relaxed, 4);
        expect(fresh).not.toBe(be);
        expect(fresh.waitForThreads()).toBe(4);
      });
    });
  }

  it('shares one backend per build and thread count', () => {
    expect(createWasmBackend({ relaxed: true, threads: 2 })).toBe(createWasmBackend({ relaxed: true, threads: 2 }));
    expect(createWasmBackend({ relaxed: true, threads: 2 })).not.toBe(createWasmBackend({ relaxed: true, threads: 3 }));
    expect(createWasmBackend({ relaxed: false, threads: 2 })).not.toBe(createWasmBackend({ relaxed: true, threads: 2 }));
  });

  it('reads the default thread count from TXSIM_THREADS, else the core count', () => {
    const saved = process.env.TXSIM_THREADS;
    try {
      process.env.TXSIM_THREADS = '3';
      expect(defaultThreads()).toBe(3);
      const be = make(true, defaultThreads());
      expect(be.threads).toBe(3);
      for (const bad of ['0', '-2', '1.5', 'many', '']) {
        process.env.TXSIM_THREADS = bad;
        expect(defaultThreads(), bad).toBe(Math.min(availableParallelism(), 64));
      }
    } finally {
      if (saved === undefined) delete process.env.TXSIM_THREADS;
      else process.env.TXSIM_THREADS = saved;
    }
  });
});
