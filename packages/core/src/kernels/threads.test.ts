import { afterAll, describe, expect, it } from 'vitest';
import { Rng } from '../random/rng.js';
import { kernels } from './elementwise.js';
import { NormalStream } from './normal-stream.js';
import { jumpTable } from './stream-jump.js';
import { chunkBounds, chunkCount, elementwisePool, elementwiseThreads, MIN_CHUNK } from './threads.js';
import { elementwiseModule } from './wasm.js';

const wasm = elementwiseModule();
const before = elementwiseThreads();
afterAll(() => void elementwiseThreads(before));

function uniform(n: number, seed: string, lo = -1, hi = 1): Float64Array {
  return new Rng(seed).fillUniform(new Float64Array(n), lo, hi) as Float64Array;
}

/** Runs `f` with the given thread count; with 2, first waits for the helper so chunks really run on it. */
function withThreads<T>(threads: number, f: () => T): T {
  elementwiseThreads(threads);
  if (threads > 1) elementwisePool(wasm!)!.waitReady(10_000);
  return f();
}

describe('chunk boundaries', () => {
  it('depend on the length alone, cover it once, and are multiples of 64 cells inside', () => {
    for (const n of [MIN_CHUNK * 2 - 1, MIN_CHUNK * 2, 100_003, 212_992, 5_000_000]) {
      const chunks = chunkCount(n);
      expect(chunkBounds(n, chunks, 0)).toBe(0);
      expect(chunkBounds(n, chunks, chunks)).toBe(n);
      for (let t = 1; t < chunks; t++) {
        const b = chunkBounds(n, chunks, t);
        expect(b % 64).toBe(0);
        expect(b).toBeGreaterThan(chunkBounds(n, chunks, t - 1));
      }
    }
    expect(chunkCount(MIN_CHUNK * 2 - 1)).toBe(1);
  });
});

describe.skipIf(!wasm)('element-wise kernels on the worker pool', () => {
  it('jumpRounds advances a stream exactly as drawing that many rounds does', () => {
    const table = kernels.int32(128);
    new Uint32Array(table.buffer, table.byteOffset, 128).set(jumpTable());
    const state = kernels.int32(16);
    const words = new Uint32Array(state.buffer, state.byteOffset, 16);
    for (const rounds of [0, 1, 2, 3, 7, 8, 100, 1001, 12_345]) {
      const drawn = new NormalStream(new Rng(`jump${rounds}`));
      words.set(drawn.state);
      drawn.referenceNormals(new Float64Array(8 * rounds));
      wasm!.api.jumpRounds(state.byteOffset, table.byteOffset, rounds);
      expect(Array.from(words)).toEqual(Array.from(drawn.state));
    }
  });

  // An odd length with several chunks; ~30 % of the requests zero (no draw), and some cells at the
  // non-linearity's target conductance, where u = 0 though d ≠ 0 (no draw either).
  const n = 100_003;
  const [gmin, gmax, w0, k] = [1e-6, 1e-5, 2e-6, 50_000];
  const d0 = uniform(n, 'd', -2e-7, 2e-7).map((v, c) => (c % 10 < 3 ? 0 : v));
  const g0 = uniform(n, 'g', gmin, gmax).map((v, c) => (c % 97 === 5 && d0[c]! > 0 ? gmin + w0 : v));

  for (const [label, nl, noise] of [['non-linearity + noise', true, true], ['noise only', false, true], ['non-linearity only', true, false]] as const) {
    it(`updateChain (${label}): 2 threads give the bits and stream state of 1`, () => {
      expect(chunkCount(n)).toBeGreaterThan(1);
      for (const alloc of [(m: number) => new Float64Array(m), (m: number) => kernels.float64(m)]) {
        const run = (threads: number) => withThreads(threads, () => {
          const g = alloc(n);
          g.set(g0);
          const d = alloc(n);
          d.set(d0);
          const stream = new NormalStream(new Rng('noise'));
          const chain = { ...(nl ? { nonlinear: { gmin, gmax, w0, k } } : {}), ...(noise ? { noise: { stream, scale: 0.05, range: gmax - gmin } } : {}) };
          // Two calls: the second starts from the state the first left.
          kernels.updateChain(g, d, 1, chain, gmin, gmax);
          kernels.updateChain(g, d, -0.5, chain, gmin, gmax);
          return { g: Array.from(g), state: Array.from(stream.state) };
        });
        const one = run(1);
        const chunksBefore = elementwisePool(wasm!)?.workerChunks ?? 0;
        const two = run(2);
        expect(two.g).toEqual(one.g);
        expect(two.state).toEqual(one.state);
        expect(two.g).not.toEqual(Array.from(g0));
        // The comparison covers chunks a helper thread computed (a late helper may take none of one call).
        let tries = 0;
        while (elementwisePool(wasm!)!.workerChunks === chunksBefore && tries++ < 50) expect(run(2)).toEqual(one);
        expect(elementwisePool(wasm!)!.workerChunks).toBeGreaterThan(chunksBefore);
      }
    });
  }

  it('readChain, signSplit and stepClip: 2 threads give the bits of 1', () => {
    const src = uniform(n, 'src', 0, gmax);
    const f = uniform(n, 'f', 0.8, 1.2);
    const r = uniform(n, 'r', 0, 1e3);
    const want = uniform(n, 'want', -gmax, gmax);
    const run = (threads: number) => withThreads(threads, () => {
      const out = new Float64Array(n);
      kernels.readChain(src, out, { levels: { gmin, step: (gmax - gmin) / 15, steps: 15 }, factors: f, resistance: r });
      const [p, m] = [new Float64Array(n), new Float64Array(n)];
      kernels.signSplit(src, f.map((v) => v * 3e-6), want, p, m);
      const g = Float64Array.from(src);
      kernels.stepClip(g, want, 0.7, gmin, gmax);
      return [out, p, m, g].map((a) => Array.from(a));
    });
    const one = run(1);
    expect(run(2)).toEqual(one);
  });

  it('combine (plain, transposed, squared) and widen: 2 threads give the bits of 1', () => {
    // 403 rows: chunks of whole 4-row blocks and an uneven last one; 259 columns: a scalar edge in each row.
    const [R, C] = [403, 259];
    const plus = uniform(R * C, 'plus', 0, gmax);
    const minus = uniform(R * C, 'minus', 0, gmax);
    const x = Float32Array.from(uniform(n, 'x'));
    const run = (threads: number) => withThreads(threads, () => {
      const outs = [[false, false], [true, false], [false, true], [true, true]].map(([transposed, squared]) => {
        const out = new Float32Array(R * C);
        kernels.combine(out, plus, minus, R, C, transposed!, squared!);
        return Array.from(out);
      });
      const wide = new Float64Array(n);
      kernels.widen(x, 0.3, wide);
      return [...outs, Array.from(wide)];
    });
    expect(chunkCount(R * C)).toBeGreaterThan(1);
    const one = run(1);
    expect(one[1]![1 * R + 2]).toBe(Math.fround(plus[2 * C + 1]! - minus[2 * C + 1]!));
    expect(run(2)).toEqual(one);
  });
});
