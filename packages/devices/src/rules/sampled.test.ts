import { describe, expect, it } from 'vitest';
import { kernels, Matrix, Rng, Scratch } from '@txsim/core';
import { pulsedKernels } from '../kernels.js';
import { poisson, poissonCounts, probabilities } from './stochastic-pulses.js';

// counting: sampled compiled (assembly/pulsed.ts: fdexp, poissons, sampledProbabilities, sampledCounts) against
// V8's Math.exp and the TypeScript references: the same bits, the same list, the stream left at the same place.

/** Indices where a and b differ bit for bit (any NaN equals any NaN: payloads are not results). */
function mismatches(a: Float64Array | Float32Array, b: Float64Array | Float32Array): number[] {
  const bad: number[] = [];
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (Number.isNaN(x) && Number.isNaN(y)) continue;
    if (!Object.is(x, y)) bad.push(i);
  }
  return bad;
}

/** Doubles from raw bits: every exponent and mantissa pattern. */
function fromBits(r: Rng, n: number): Float64Array {
  const out = new Float64Array(n);
  const words = new Uint32Array(out.buffer);
  for (let i = 0; i < 2 * n; i++) words[i] = r.nextU32();
  return out;
}

describe('fdexp (assembly/pulsed.ts) equals Math.exp bit for bit', () => {
  const api = pulsedKernels.api!;
  const check = (src: Float64Array) => {
    const x = kernels.float64(src.length);
    x.set(src);
    const out = kernels.float64(src.length);
    api.exps(x.byteOffset, out.byteOffset, src.length);
    const want = src.map((v) => Math.exp(v));
    const bad = mismatches(out, want);
    expect(bad.slice(0, 5).map((i) => [src[i], out[i], want[i]])).toEqual([]);
  };

  it('on the Poisson draw\'s arguments −λ, λ ∈ (0, 30): two million draws, uniform and log-uniform in λ', () => {
    const r = new Rng('exp-lambda');
    const n = 2_000_000;
    const src = new Float64Array(n);
    for (let i = 0; i < n; i++) src[i] = i % 2 ? -30 * r.next() : -Math.pow(2, -60 + 65 * r.next());
    check(src);
  });

  it('over the whole double range (random bit patterns), near its thresholds and at the special values', () => {
    const r = new Rng('exp-wide');
    check(fromBits(r, 1_000_000));
    // Arguments of normal and subnormal results, overflow and underflow edges, the reduction's branch edges.
    const edges: number[] = [0, -0, NaN, -NaN, Infinity, -Infinity, 1, -1, Number.MIN_VALUE, -Number.MIN_VALUE, 2 ** -28, -(2 ** -28), 2 ** -29,
      0.5 * Math.LN2, -0.5 * Math.LN2, 1.5 * Math.LN2, -1.5 * Math.LN2, 709.782712893384, 709.7827128933841, 709.78, 710, -745.1332191019411,
      -745.1332191019412, -745.2, -708.3964185322641, -708.4, -720, -740, 1e300, -1e300, Number.MAX_VALUE, -Number.MAX_VALUE, 30, -30, 29.9, -29.9];
    const around: number[] = [];
    for (const e of edges) {
      around.push(e);
      // Neighbours a few ulps either side.
      const b = new Float64Array([e]);
      const w = new BigInt64Array(b.buffer);
      for (let d = -3n; d <= 3n; d++) {
        if (!Number.isFinite(e)) break;
        const v = new BigInt64Array([w[0]! + d]);
        around.push(new Float64Array(v.buffer)[0]!);
      }
    }
    // Dense sweeps over the ranges of subnormal results, of ±(0.5..1.5)·ln2, and of the large ones.
    for (let i = 0; i < 200_000; i++) {
      around.push(-708.4 - 37 * r.next(), (r.next() - 0.5) * 3 * Math.LN2, 700 + 10 * r.next(), (r.next() - 0.5) * 2 ** -20);
    }
    check(Float64Array.from(around));
  });
});

describe('compiled Poisson draw (poissons) equals poisson()', () => {
  it('for λ around 0, 1, 29.9, 30, 1000 and beyond, and u near 0 and 1', () => {
    const api = pulsedKernels.api!;
    const r = new Rng('poisson');
    const ulp = (v: number, d: number) => {
      const w = new BigInt64Array(new Float64Array([v]).buffer);
      return new Float64Array(new BigInt64Array([w[0]! + BigInt(d)]).buffer)[0]!;
    };
    const lambdas: number[] = [0, Number.MIN_VALUE, 1e-300, 1e-12, 1e-3, 0.5, 1, 29.9, ulp(30, -1), 30, ulp(30, 1), 1000, 1e6, 1e15, Infinity, NaN];
    for (const c of [0, 1, 29.9, 30, 1000]) for (let i = 0; i < 200; i++) lambdas.push(Math.max(0, c + (r.next() - 0.5) * (c || 1) * 0.02));
    for (let i = 0; i < 2000; i++) lambdas.push(Math.pow(2, -40 + 50 * r.next()));
    const us: number[] = [0, 2 ** -32, 1e-9, 0.02425, ulp(0.02425, -1), 0.5, 1 - 0.02425, ulp(1 - 0.02425, 1), 1 - 2 ** -32, 1 - 2 ** -31];
    for (let i = 0; i < 40; i++) us.push(r.next(), r.next() * 1e-6, 1 - r.next() * 1e-6);
    const n = lambdas.length * us.length;
    const lam = kernels.float64(n);
    const u = kernels.float64(n);
    const out = kernels.float64(n);
    let k = 0;
    for (const l of lambdas) for (const v of us) (lam[k] = l), (u[k++] = v);
    api.poissons(lam.byteOffset, u.byteOffset, out.byteOffset, n);
    const want = new Float64Array(n);
    for (let i = 0; i < n; i++) want[i] = poisson(lam[i]!, u[i]!);
    expect(mismatches(out, want).slice(0, 5).map((i) => [lam[i], u[i], out[i], want[i]])).toEqual([]);
    // The draws exercise every branch: zero, inversion with counts, and the normal quantile above 30.
    expect(want.some((v) => v > 0 && v < 30)).toBe(true);
    expect(want.some((v) => v > 900)).toBe(true);
  });
});

describe('compiled sampled-counting kernels equal their references', () => {
  it('probabilities: signed and magnitude, with BL or without, zero and NaN inputs, zero scales and lengths', () => {
    const r = new Rng('prob');
    for (const [batch, lines] of [[7, 13], [1, 1], [0, 5], [5, 0], [16, 784]] as const) {
      const values = kernels.float32(batch * lines);
      for (let k = 0; k < values.length; k++) values[k] = r.next() < 0.3 ? (k % 2 ? -0 : 0) : (r.next() - 0.5) * (k % 9 === 0 ? 50 : 2);
      if (values.length > 3) values[3] = NaN;
      const scale = kernels.float64(batch);
      const bl = kernels.float64(batch);
      for (let b = 0; b < batch; b++) {
        scale[b] = b === 2 ? 0 : 0.1 + 3 * r.next();
        bl[b] = b === 1 ? 0 : 1 + Math.floor(31 * r.next());
      }
      for (const withBl of [bl, null]) {
        const got = [kernels.float32(batch * lines).fill(7), kernels.float32(batch * lines).fill(7)] as const;
        const want = [new Float32Array(batch * lines).fill(7), new Float32Array(batch * lines).fill(7)] as const;
        probabilities.compiled!(values, lines, lines, batch, scale, withBl, got[0], got[1]);
        probabilities.reference(values, lines, lines, batch, scale, withBl, want[0], want[1]);
        expect(mismatches(got[0], want[0])).toEqual([]);
        expect(mismatches(got[1], want[1])).toEqual([]);
      }
    }
  });

  it('poissonCounts: counts, list and the Rng state afterwards, on random shapes (zero rows and columns included)', () => {
    const r = new Rng('shapes');
    const shapes: [number, number, number][] = [[0, 5, 8], [5, 0, 4], [1, 1, 1], [3, 7, 8], [31, 17, 32], [64, 10, 10], [100, 33, 40]];
    for (let t = 0; t < 6; t++) {
      const rows = Math.floor(60 * r.next());
      const cols = 1 + Math.floor(60 * r.next());
      shapes.push([rows, cols, cols + Math.floor(4 * r.next())]);
    }
    for (const [rows, cols, paddedCols] of shapes) {
      const n = rows * cols;
      const S = new Matrix(rows, cols, kernels.float32(n));
      const M = new Matrix(rows, cols, kernels.float32(n));
      // Expectations over the draw's regimes: mostly far below one, some around 1, 29.9–30, 1000, a few
      // slightly negative ones (GEMM rounding), exact zeros and a NaN.
      const pick = [0, 1e-4, 0.01, 0.3, 1, 3, 29.9, 30, 30.1, 1000];
      for (let k = 0; k < n; k++) {
        const up = pick[Math.floor(r.next() * pick.length)]! * (0.9 + 0.2 * r.next());
        const down = r.next() < 0.5 ? 0 : pick[Math.floor(r.next() * pick.length)]!;
        S.data[k] = down - up;
        M.data[k] = down + up + (k % 13 === 0 ? -1e-7 : 0);
      }
      if (n > 5) S.data[5] = NaN;
      for (const listed of [true, false]) {
        const a = new Rng(`cells-${rows}-${cols}`);
        const b = new Rng(`cells-${rows}-${cols}`);
        // A pending spare normal must survive: fillUniform leaves it, so must the kernel.
        a.normal();
        b.normal();
        const cells = rows * paddedCols;
        const up = [kernels.float32(cells), new Float32Array(cells)] as const;
        const down = [kernels.float32(cells), new Float32Array(cells)] as const;
        const list = listed ? ([{ idx: kernels.int32(cells), count: -1 }, { idx: new Int32Array(cells), count: -1 }] as const) : null;
        poissonCounts.compiled!(S, M, paddedCols, a, up[0], down[0], list?.[0] ?? null, new Scratch());
        poissonCounts.reference(S, M, paddedCols, b, up[1], down[1], list?.[1] ?? null, new Scratch());
        expect(mismatches(up[0], up[1])).toEqual([]);
        expect(mismatches(down[0], down[1])).toEqual([]);
        if (list) {
          expect(list[0].count).toBe(list[1].count);
          expect(Array.from(list[0].idx.subarray(0, list[0].count))).toEqual(Array.from(list[1].idx.subarray(0, list[1].count)));
        }
        expect(a.snapshot()).toEqual(b.snapshot());
        expect(a.normal()).toBe(b.normal());
        expect(a.next()).toBe(b.next());
      }
    }
  });

  it('poissonCounts with a list outside kernel memory takes the reference (same result)', () => {
    const S = new Matrix(2, 3, kernels.float32(6).fill(0));
    const M = new Matrix(2, 3, kernels.float32(6).fill(40));
    const run = (idx: Int32Array) => {
      const up = kernels.float32(8);
      const down = kernels.float32(8);
      const list = { idx, count: 0 };
      const rng = new Rng('plain');
      poissonCounts.compiled!(S, M, 4, rng, up, down, list, new Scratch());
      return [Array.from(up), Array.from(down), Array.from(idx.subarray(0, list.count)), rng.next()];
    };
    const got = run(new Int32Array(8));
    expect(got).toEqual(run(kernels.int32(8)));
    expect(got[2]).toEqual([0, 1, 2, 4, 5, 6]);
  });
});
