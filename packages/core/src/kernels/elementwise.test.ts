import { describe, expect, it } from 'vitest';
import { Rng } from '../random/rng.js';
import { kernels, reference, type ReadChain } from './elementwise.js';
import { NormalStream } from './normal-stream.js';
import { elementwiseModule } from './wasm.js';

const wasm = elementwiseModule();
// Odd sizes exercise every tail (f64x2 pairs, rounds of 8 normals, f32x4 groups).
const SIZES = [1, 2, 7, 9, 1001, 4099];

function uniform(n: number, seed: string, lo = -1, hi = 1): Float64Array {
  return new Rng(seed).fillUniform(new Float64Array(n), lo, hi) as Float64Array;
}

function maxRelDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - b[i]!) / Math.max(Math.abs(b[i]!), 1e-300);
    if (a[i] !== b[i]) worst = Math.max(worst, d);
  }
  return worst;
}

/** Runs `f` on plain (staged) arrays and on arrays that live in the module's memory. */
function bothLayouts(f: (alloc: (n: number) => Float64Array) => void): void {
  f((k) => new Float64Array(k));
  f((k) => kernels.float64(k));
}

describe.skipIf(!wasm)('element-wise WASM kernels against the TypeScript loops', () => {
  const gmin = 1e-6;
  const gmax = 1e-5;

  it('scale, add + clip and step + clip agree to rounding', () => {
    for (const n of SIZES) {
      bothLayouts((alloc) => {
        const g = alloc(n);
        g.set(uniform(n, `g${n}`, gmin, gmax));
        const d = alloc(n);
        d.set(uniform(n, `d${n}`, -3e-6, 3e-6));
        const out = alloc(n);
        const ref = new Float64Array(n);
        kernels.scale(d, -0.5, out);
        reference.scale(d, -0.5, ref);
        expect(maxRelDiff(out, ref)).toBeLessThanOrEqual(1e-12);
        kernels.addClip(g, d, out, gmin, gmax);
        reference.addClip(g, d, ref, gmin, gmax);
        expect(maxRelDiff(out, ref)).toBeLessThanOrEqual(1e-12);
        const minus = alloc(n);
        minus.set(uniform(n, `m${n}`, gmin, gmax));
        const outM = alloc(n);
        const refM = new Float64Array(n);
        kernels.signSplit(g, minus, d, out, outM);
        reference.signSplit(g, minus, d, ref, refM);
        // Differences of nearby conductances: compare absolutely, at the scale of the range.
        for (let k = 0; k < n; k++) {
          expect(Math.abs(out[k]! - ref[k]!)).toBeLessThanOrEqual(1e-20);
          expect(Math.abs(outM[k]! - refM[k]!)).toBeLessThanOrEqual(1e-20);
        }
        const g2 = Float64Array.from(g);
        kernels.stepClip(g, d, 0.5, gmin, gmax);
        reference.stepClip(g2, d, 0.5, gmin, gmax);
        expect(maxRelDiff(g, g2)).toBeLessThanOrEqual(1e-12);
      });
    }
  });

  it('update non-linearity agrees to rounding, on both the Taylor and the expm1 branch', () => {
    for (const n of SIZES) {
      for (const v of [0.01, 5]) {
        const range = gmax - gmin;
        const w0 = range / -Math.expm1(-v);
        const d = uniform(n, `nl${n}`, -2e-6, 2e-6);
        if (n > 3) d[3] = 0;
        const g = uniform(n, `ng${n}`, gmin, gmax);
        const out = kernels.float64(n);
        const ref = new Float64Array(n);
        kernels.updateNonlinearity(d, g, out, gmin, gmax, w0, v / range);
        reference.updateNonlinearity(d, g, ref, gmin, gmax, w0, v / range);
        expect(maxRelDiff(out, ref)).toBeLessThanOrEqual(1e-12);
        if (n > 3) expect(out[3]).toBe(0);
      }
    }
  });

  it('level quantisation is exact', () => {
    const steps = 255;
    const step = (gmax - gmin) / steps;
    for (const n of SIZES) {
      const src = uniform(n, `lv${n}`, gmin, gmax);
      src[0] = gmin;
      if (n > 1) src[1] = gmax;
      const out = new Float64Array(n);
      const ref = new Float64Array(n);
      kernels.levels(src, out, gmin, step, steps);
      reference.levels(src, ref, gmin, step, steps);
      expect(Array.from(out)).toEqual(Array.from(ref));
    }
  });

  it('per-device factors and series resistance agree to rounding, zero conductance stays 0', () => {
    for (const n of SIZES) {
      const g = uniform(n, `sg${n}`, 0, gmax);
      g[0] = 0;
      const f = uniform(n, `sf${n}`, 0.5, 1.5);
      const r = uniform(n, `sr${n}`, 10, 1000);
      const out = new Float64Array(n);
      const ref = new Float64Array(n);
      kernels.multiply(g, f, out);
      reference.multiply(g, f, ref);
      expect(maxRelDiff(out, ref)).toBeLessThanOrEqual(1e-12);
      kernels.series(g, r, out);
      reference.series(g, r, ref);
      expect(maxRelDiff(out, ref)).toBeLessThanOrEqual(1e-12);
      expect(out[0]).toBe(0);
    }
  });

  it('combine (G+ − G−, G+² + G−², either layout) equals the f32 rounding of the f64 result', () => {
    // 4×4 blocks of the transposed path with edge rows, edge columns and both.
    for (const [R, C] of [[3, 5], [64, 64], [7, 1], [10, 13], [13, 8], [8, 6]] as const) {
      const p = uniform(R * C, `cp${R}`, gmin, gmax);
      const m = uniform(R * C, `cm${R}`, gmin, gmax);
      for (const transposed of [false, true]) {
        for (const squared of [false, true]) {
          const out = new Float32Array(R * C);
          const ref = new Float32Array(R * C);
          kernels.combine(out, p, m, R, C, transposed, squared);
          reference.combine(ref, p, m, R, C, transposed, squared);
          expect(Array.from(out)).toEqual(Array.from(ref));
        }
      }
    }
  });

  it('read accumulation and narrowing to f32 are exact', () => {
    const [batch, width, outWidth] = [3, 11, 9];
    const cur = Float32Array.from(uniform(batch * width, 'acc/i', -1e-5, 1e-5));
    const scales = Float32Array.from(uniform(batch, 'acc/s', 0, 50));
    const acc = uniform(batch * width, 'acc/a', -1e-4, 1e-4);
    const ref = Float64Array.from(acc);
    kernels.accumulate(acc, cur, scales, batch, width);
    reference.accumulate(ref, cur, scales, batch, width);
    expect(Array.from(acc)).toEqual(Array.from(ref));
    // Only the first outWidth columns summed: the same values as the full sum's first columns.
    const part = new Float64Array(batch * outWidth);
    const partRef = new Float64Array(batch * outWidth);
    kernels.accumulate(part, cur, scales, batch, width, outWidth);
    reference.accumulate(partRef, cur, scales, batch, width, outWidth);
    expect(Array.from(part)).toEqual(Array.from(partRef));
    for (let b = 0; b < batch; b++) for (let j = 0; j < outWidth; j++) expect(part[b * outWidth + j]).toBe(cur[b * width + j]! * scales[b]!);
    // Fresh: the same bits as zero-filling first, whatever acc held (a −0 product sums to +0 either way).
    cur[0] = -0;
    for (const [fn, label] of [[kernels.accumulate, 'kernel'], [reference.accumulate, 'reference']] as const) {
      const zeroed = new Float64Array(batch * outWidth);
      fn(zeroed, cur, scales, batch, width, outWidth);
      const fresh = Float64Array.from(uniform(batch * outWidth, 'acc/stale', -1, 1));
      fn(fresh, cur, scales, batch, width, outWidth, true);
      expect(Array.from(fresh).map((v) => Object.is(v, -0) ? '-0' : v), label).toEqual(Array.from(zeroed).map((v) => Object.is(v, -0) ? '-0' : v));
      expect(Object.is(fresh[0], 0), label).toBe(true);
    }
    const out = new Float32Array(batch * outWidth);
    const want = new Float32Array(batch * outWidth);
    kernels.narrow(acc, out, batch, width, outWidth, 1234.5);
    reference.narrow(acc, want, batch, width, outWidth, 1234.5);
    expect(Array.from(out)).toEqual(Array.from(want));
  });

  it('widens float32 to scaled float64 exactly, tails included', () => {
    for (const n of SIZES) {
      const src = Float32Array.from(uniform(n, `widen${n}`, -3, 3));
      const got = new Float64Array(n);
      const want = new Float64Array(n);
      kernels.widen(src, -0.37, got);
      reference.widen(src, -0.37, want);
      expect(Array.from(got)).toEqual(Array.from(want));
      expect(got.every((v, k) => v === -0.37 * src[k]!)).toBe(true);
    }
  });

  it('gathers a block of columns with zero padding like the reference', () => {
    for (const [batch, srcWidth, start, used, lines] of [[3, 25, 0, 25, 64], [5, 150, 128, 22, 64], [2, 70, 3, 7, 7], [4, 9, 1, 6, 11]] as const) {
      const src = Float32Array.from(uniform(batch * srcWidth, `g${srcWidth}`, -1, 1));
      const got = new Float32Array(batch * lines).fill(NaN);
      const want = new Float32Array(batch * lines).fill(NaN);
      kernels.gather(src, got, batch, srcWidth, start, used, lines);
      reference.gather(src, want, batch, srcWidth, start, used, lines);
      expect(Array.from(got)).toEqual(Array.from(want));
      expect(got[(batch - 1) * lines + used - 1]).toBe(src[(batch - 1) * srcWidth + start + used - 1]);
      if (used < lines) expect(got[lines - 1]).toBe(0);
    }
  });

  it('counts non-zero elements, including the tail and negative zero', () => {
    for (const n of SIZES) {
      const a = uniform(n, `nz${n}`);
      for (let k = 0; k < n; k += 3) a[k] = k % 2 ? -0 : 0;
      let expected = 0;
      for (let k = 0; k < n; k++) if (k % 3 !== 0) expected++;
      expect(kernels.countNonzero(a)).toBe(expected);
    }
  });

  it('never writes past an operand living inside a larger block', () => {
    const big = kernels.float64(64);
    big.fill(-7);
    const dst = big.subarray(5, 12); // 7 elements, unaligned
    const src = uniform(7, 'tail', -1e-6, 1e-6);
    kernels.scale(src, 2, dst);
    kernels.writeNoise(new NormalStream(new Rng('tail')), src, dst, 0.05, 9e-6);
    expect(Array.from(big.subarray(0, 5))).toEqual([-7, -7, -7, -7, -7]);
    expect(Array.from(big.subarray(12))).toEqual(new Array(52).fill(-7));
  });
});

describe('NormalStream (4-lane xoshiro128** + Box–Muller)', () => {
  it('draws standard normals: moments and a Kolmogorov–Smirnov bound on 1e6 samples', () => {
    const n = 1_000_000;
    const z = new NormalStream(new Rng('moments')).fill(new Float64Array(n));
    let m1 = 0;
    for (const v of z) m1 += v;
    m1 /= n;
    let m2 = 0;
    let m3 = 0;
    let m4 = 0;
    for (const v of z) {
      const d = v - m1;
      m2 += d * d;
      m3 += d * d * d;
      m4 += d * d * d * d;
    }
    m2 /= n;
    const skew = m3 / n / m2 ** 1.5;
    const kurt = m4 / n / (m2 * m2);
    // Standard errors: 1/√n = 0.001 (mean), √(2/n) = 0.0014 (variance), √(6/n) = 0.0024, √(24/n) = 0.0049.
    expect(Math.abs(m1)).toBeLessThan(0.005);
    expect(Math.abs(m2 - 1)).toBeLessThan(0.007);
    expect(Math.abs(skew)).toBeLessThan(0.012);
    expect(Math.abs(kurt - 3)).toBeLessThan(0.025);
    const sorted = Float64Array.from(z).sort();
    let dmax = 0;
    for (let i = 0; i < n; i += 1) {
      const cdf = normalCdf(sorted[i]!);
      dmax = Math.max(dmax, Math.abs(cdf - i / n), Math.abs(cdf - (i + 1) / n));
    }
    // 1 % critical value of the one-sample KS statistic: 1.63/√n.
    expect(dmax).toBeLessThan(1.63 / Math.sqrt(n));
  });

  it('pairs lanes and draws independently: neighbouring and same-round samples are uncorrelated', () => {
    const n = 400_000;
    const z = new NormalStream(new Rng('corr')).fill(new Float64Array(n));
    for (const lag of [1, 4, 8]) {
      let c = 0;
      for (let i = 0; i + lag < n; i++) c += z[i]! * z[i + lag]!;
      expect(Math.abs(c / (n - lag))).toBeLessThan(5 / Math.sqrt(n));
    }
  });

  it('is reproducible from its Rng, and different seeds give different streams', () => {
    const a = new NormalStream(new Rng('seed')).fill(new Float64Array(100));
    const b = new NormalStream(new Rng('seed')).fill(new Float64Array(100));
    const c = new NormalStream(new Rng('other')).fill(new Float64Array(100));
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(Array.from(a)).not.toEqual(Array.from(c));
  });

  it('consumes whole rounds of 8 per call, so a call after fill(5) continues at sample 8', () => {
    const whole = new NormalStream(new Rng('rounds')).fill(new Float64Array(16));
    const s = new NormalStream(new Rng('rounds'));
    s.fill(new Float64Array(5));
    expect(Array.from(s.fill(new Float64Array(8)))).toEqual(Array.from(whole.subarray(8)));
  });

  it('continues identically after a JSON snapshot is restored into a fresh stream', () => {
    const a = new NormalStream(new Rng('snap'));
    a.fill(new Float64Array(37));
    const saved = JSON.parse(JSON.stringify(a.snapshot())) as ReturnType<NormalStream['snapshot']>;
    const b = new NormalStream(new Rng('unrelated'));
    b.restore(saved);
    expect(Array.from(b.fill(new Float64Array(50)))).toEqual(Array.from(a.fill(new Float64Array(50))));
  });

  it.skipIf(!wasm)('the WASM f32 transform matches the f64 Math.log/sin/cos transform of the same integer stream', () => {
    const n = 100_000;
    const z = new NormalStream(new Rng('ref')).fill(new Float64Array(n));
    const r = new Float64Array(n);
    new NormalStream(new Rng('ref')).referenceNormals(r);
    let worst = 0;
    for (let i = 0; i < n; i++) worst = Math.max(worst, Math.abs(z[i]! - r[i]!) / Math.max(1, Math.abs(r[i]!)));
    expect(worst).toBeLessThan(2e-6);
  });

  it.skipIf(!wasm)('write noise: the kernel equals d + scale·√(range·|d|)·ξ with the reference ξ taken in order at the non-zero cells only', () => {
    const n = 1003;
    const d = uniform(n, 'wn', -1e-6, 1e-6);
    // Zeros scattered at random (as sign-split routes them) and in runs (as empty input rows give).
    const pick = new Rng('zeros');
    for (let c = 0; c < n; c++) if (pick.next() < 0.4 || (c > 500 && c < 600)) d[c] = 0;
    let nonzero = 0;
    for (let c = 0; c < n; c++) if (d[c] !== 0) nonzero++;
    const out = new Float64Array(n);
    const stream = new NormalStream(new Rng('wn'));
    kernels.writeNoise(stream, d, out, 0.05, 9e-6);
    const rounds = Math.ceil(nonzero / 8);
    const xi = new Float64Array(8 * rounds + 8);
    new NormalStream(new Rng('wn')).referenceNormals(xi);
    let j = 0;
    for (let c = 0; c < n; c++) {
      if (d[c] === 0) {
        expect(out[c]).toBe(0);
        continue;
      }
      const expected = d[c]! + 0.05 * Math.sqrt(9e-6 * Math.abs(d[c]!)) * xi[j++]!;
      expect(Math.abs(out[c]! - expected)).toBeLessThanOrEqual(2e-6 * Math.abs(expected - d[c]!) + 1e-21);
    }
    // The stream advanced exactly ceil(nonzero/8) rounds: its next round is the reference's next one.
    const next = new Float64Array(8);
    stream.referenceNormals(next);
    expect(Array.from(next)).toEqual(Array.from(xi.subarray(8 * rounds)));
  });
});

describe.skipIf(!wasm)('fused chains against the unfused kernels (bit-identical)', () => {
  const gmin = 1e-6;
  const gmax = 1e-5;
  const range = gmax - gmin;
  const w0 = range / -Math.expm1(-0.01);
  const k = 0.01 / range;

  function request(n: number, seed: string): Float64Array {
    const d = uniform(n, seed, -2e-8, 2e-8);
    const pick = new Rng(`${seed}/zeros`);
    for (let c = 0; c < n; c++) if (pick.next() < 0.5) d[c] = 0;
    // A few large requests take the expm1 branch of the non-linearity and the clip.
    if (n > 10) d[3] = 5e-6, d[n - 2] = -8e-6;
    return d;
  }

  for (const [label, nl, noise, f] of [
    ['non-linearity + noise', true, true, 1], ['non-linearity + noise, half step', true, true, -0.5],
    ['non-linearity only', true, false, 1], ['noise only', false, true, 0.5], ['add + clip only', false, false, 1],
  ] as const) {
    it(`updateChain (${label}) equals scale → updateNonlinearity → writeNoise → addClip`, () => {
      for (const n of SIZES) {
        bothLayouts((alloc) => {
          const g0 = uniform(n, `g${n}`, gmin, gmax);
          const d = alloc(n);
          d.set(request(n, `d${n}`));
          // Unfused: each kernel in turn, as the update pipeline runs them.
          const g1 = alloc(n);
          g1.set(g0);
          const u = alloc(n);
          const v = alloc(n);
          const s1 = new NormalStream(new Rng(`s${n}`));
          kernels.scale(d, f, u);
          if (nl) kernels.updateNonlinearity(u.slice(), g1, u, gmin, gmax, w0, k);
          if (noise) kernels.writeNoise(s1, u, v, 0.05, range);
          kernels.addClip(g1, noise ? v : u, g1, gmin, gmax);
          // Fused.
          const g2 = alloc(n);
          g2.set(g0);
          const s2 = new NormalStream(new Rng(`s${n}`));
          kernels.updateChain(g2, d, f, {
            ...(nl ? { nonlinear: { gmin, gmax, w0, k } } : {}), ...(noise ? { noise: { stream: s2, scale: 0.05, range } } : {}),
          }, gmin, gmax);
          expect(Array.from(g2)).toEqual(Array.from(g1));
          expect(Array.from(s2.state)).toEqual(Array.from(s1.state));
          // The TypeScript reference of the chain (f64 normals) agrees to the WASM normals' f32 rounding (2e-6, as above).
          const g3 = Float64Array.from(g0);
          reference.updateChain(g3, Float64Array.from(d), f, {
            ...(nl ? { nonlinear: { gmin, gmax, w0, k } } : {}), ...(noise ? { noise: { stream: new NormalStream(new Rng(`s${n}`)), scale: 0.05, range } } : {}),
          }, gmin, gmax);
          // |ξ| ≤ 5.8 and u ≈ f·d (the non-linearity changes it by ~1 %), so the noise differs by at most 2e-6·σ·5.8.
          for (let c = 0; c < n; c++) {
            const sigma = 0.05 * Math.sqrt(range * 1.02 * Math.abs(f * d[c]!));
            expect(Math.abs(g3[c]! - g1[c]!)).toBeLessThanOrEqual(2e-6 * 5.8 * sigma + 1e-21);
          }
        });
      }
    });
  }

  it('updateChain draws only for the cells the non-linearity leaves non-zero, as the unfused chain does', () => {
    // On a 1..2 S device, k·|d| underflows to 0 for d = 5e-324: the non-linearity returns 0 though d ≠ 0, so
    // those cells get no normal. 20 such cells among 7 ordinary ones: 1 round of draws, not 4.
    const [lo, hi] = [1, 2];
    const wide = { gmin: lo, gmax: hi, w0: 1 / -Math.expm1(-0.01), k: 0.01 };
    const n = 27;
    const d = new Float64Array(n).map((_, c) => (c % 4 === 3 ? 1e-3 * (c - 13) : 5e-324));
    const g0 = uniform(n, 'wide', lo, hi);
    const g1 = Float64Array.from(g0);
    const u = new Float64Array(n);
    const v = new Float64Array(n);
    const s1 = new NormalStream(new Rng('wide'));
    kernels.updateNonlinearity(d, g1, u, lo, hi, wide.w0, wide.k);
    kernels.writeNoise(s1, u, v, 0.05, 1);
    kernels.addClip(g1, v, g1, lo, hi);
    const g2 = Float64Array.from(g0);
    const s2 = new NormalStream(new Rng('wide'));
    kernels.updateChain(g2, d, 1, { nonlinear: wide, noise: { stream: s2, scale: 0.05, range: 1 } }, lo, hi);
    expect(Array.from(g2)).toEqual(Array.from(g1));
    expect(Array.from(s2.state)).toEqual(Array.from(s1.state));
    const once = new NormalStream(new Rng('wide'));
    once.fill(new Float64Array(8));
    expect(Array.from(s2.state)).toEqual(Array.from(once.state));
  });

  for (const [label, lv, mul, ser] of [
    ['levels → multiply → series', true, true, true], ['levels only', true, false, false],
    ['multiply → series', false, true, true], ['levels → series', true, false, true],
  ] as const) {
    it(`readChain (${label}) equals the kernels one after another, and the TypeScript chain`, () => {
      for (const n of SIZES) {
        bothLayouts((alloc) => {
          const g = alloc(n);
          g.set(uniform(n, `g${n}`, gmin, gmax));
          if (n > 3) g[1] = 0; // an empty cell: series resistance leaves it at 0
          const f = alloc(n);
          f.set(uniform(n, `f${n}`, 0.7, 1.3));
          const r = alloc(n);
          r.set(uniform(n, `r${n}`, 10, 2000));
          const step = range / 255;
          let a = g.slice();
          const b = alloc(n);
          if (lv) kernels.levels(a, b, gmin, step, 255), (a = b.slice());
          if (mul) kernels.multiply(a, f, b), (a = b.slice());
          if (ser) kernels.series(a, r, b), (a = b.slice());
          const chain = { ...(lv ? { levels: { gmin, step, steps: 255 } } : {}), ...(mul ? { factors: f } : {}), ...(ser ? { resistance: r } : {}) };
          const out = alloc(n);
          kernels.readChain(g, out, chain);
          expect(Array.from(out)).toEqual(Array.from(a));
          const ref = new Float64Array(n);
          reference.readChain(g, ref, chain);
          expect(maxRelDiff(ref, a)).toBeLessThan(1e-15);
        });
      }
    });

    it(`readCombine (${label}, factors and resistance per polarity) equals readChain on each polarity then combine`, () => {
      // 70,001 cells run in chunks on the worker pool where there is more than one thread.
      for (const n of [...SIZES, 70001]) {
        bothLayouts((alloc) => {
          const fill = (seed: string, lo: number, hi: number) => {
            const a = alloc(n);
            a.set(uniform(n, seed, lo, hi));
            return a;
          };
          const [gp, gm] = [fill(`gp${n}`, gmin, gmax), fill(`gm${n}`, gmin, gmax)];
          if (n > 3) (gp[1] = 0), (gm[2] = Number.NaN);
          const [fp, fm, rp, rm] = [fill(`fp${n}`, 0.7, 1.3), fill(`fm${n}`, 0.7, 1.3), fill(`rp${n}`, 10, 2000), fill(`rm${n}`, 10, 2000)];
          const chain = (f: Float64Array, r: Float64Array) =>
            ({ ...(lv ? { levels: { gmin, step: range / 255, steps: 255 } } : {}), ...(mul ? { factors: f } : {}), ...(ser ? { resistance: r } : {}) });
          const [ep, em] = [alloc(n), alloc(n)];
          kernels.readChain(gp, ep, chain(fp, rp));
          kernels.readChain(gm, em, chain(fm, rm));
          const want = new Float32Array(n);
          kernels.combine(want, ep, em, 1, n, false, false);
          const got = n > 3 ? kernels.float32(n).fill(Number.NaN) : new Float32Array(n).fill(Number.NaN);
          kernels.readCombine(got, gp, gm, chain(fp, rp), chain(fm, rm));
          expect(Array.from(got)).toEqual(Array.from(want));
          const ref = new Float32Array(n);
          reference.readCombine(ref, gp, gm, chain(fp, rp), chain(fm, rm));
          // NaN where a polarity's state is NaN, in both; elsewhere within rounding of each other.
          expect(Array.from(ref, Number.isNaN)).toEqual(Array.from(want, Number.isNaN));
          expect(maxRelDiff(ref.map((v) => v || 0), want.map((v) => v || 0))).toBeLessThan(1e-6);
        });
      }
    });
  }

  it('readCombine with different stages on the two polarities equals readChain on each then combine', () => {
    // The kernel runs a specialised loop per stage combination the polarities share and a general one otherwise.
    const levels = { gmin, step: (gmax - gmin) / 255, steps: 255 };
    for (const n of [1, 6, 33, 70001]) {
      const fill = (seed: string, lo: number, hi: number) => {
        const a = kernels.float64(n);
        a.set(uniform(n, seed, lo, hi));
        return a;
      };
      const [gp, gm] = [fill(`dp${n}`, gmin, gmax), fill(`dm${n}`, gmin, gmax)];
      const [f, r] = [fill(`df${n}`, 0.7, 1.3), fill(`dr${n}`, 10, 2000)];
      const pairs: Array<[ReadChain, ReadChain]> = [
        [{ levels, factors: f, resistance: r }, { levels }],
        [{ levels }, { levels, factors: f, resistance: r }],
        [{ factors: f }, { resistance: r }],
        [{ resistance: r }, { factors: f, resistance: r }],
      ];
      for (const [cp, cm] of pairs) {
        const [ep, em] = [kernels.float64(n), kernels.float64(n)];
        kernels.readChain(gp, ep, cp);
        kernels.readChain(gm, em, cm);
        const want = new Float32Array(n);
        kernels.combine(want, ep, em, 1, n, false, false);
        const got = kernels.float32(n).fill(Number.NaN);
        kernels.readCombine(got, gp, gm, cp, cm);
        expect(Array.from(got)).toEqual(Array.from(want));
      }
    }
  });

  it('readCombine refuses chains that quantise differently', () => {
    const g = new Float64Array(4).fill(gmin);
    const levels = { gmin, step: range / 255, steps: 255 };
    expect(() => kernels.readCombine(new Float32Array(4), g, g, { levels }, {})).toThrow(/quantise differently/);
    expect(() => kernels.readCombine(new Float32Array(4), g, g, { levels }, { levels: { ...levels, steps: 254 } })).toThrow(/quantise differently/);
  });

  it('accumulateNarrow equals accumulate (fresh) then narrow, bit for bit (odd widths, −0, NaN, a zero row scale)', () => {
    for (const [batch, width, outWidth] of [[1, 1, 1], [3, 8, 6], [5, 64, 13], [7, 17, 17], [64, 16, 16]] as const) {
      const cur = kernels.float32(batch * width);
      cur.set(Float32Array.from(uniform(batch * width, `an${batch}x${width}`, -3, 3)));
      cur[0] = -0;
      if (cur.length > 5) cur[5] = Number.NaN;
      const scales = kernels.float32(batch);
      scales.set(Float32Array.from(uniform(batch, `as${batch}`, 0.1, 4)));
      if (batch > 2) scales[2] = 0;
      const acc = kernels.float64(batch * outWidth).fill(Number.NaN);
      kernels.accumulate(acc, cur, scales, batch, width, outWidth, true);
      const want = kernels.float32(batch * outWidth);
      kernels.narrow(acc, want, batch, outWidth, outWidth, 2.5e5);
      const got = kernels.float32(batch * outWidth).fill(Number.NaN);
      kernels.accumulateNarrow(cur, scales, got, batch, width, outWidth, 2.5e5);
      expect(Array.from(got, (v) => Object.is(v, -0) ? '-0' : v)).toEqual(Array.from(want, (v) => Object.is(v, -0) ? '-0' : v));
      const ref = new Float32Array(batch * outWidth);
      reference.accumulateNarrow(cur, scales, ref, batch, width, outWidth, 2.5e5);
      expect(Array.from(ref, (v) => Object.is(v, -0) ? '-0' : v)).toEqual(Array.from(want, (v) => Object.is(v, -0) ? '-0' : v));
    }
  });

  it('transpose equals the plain loop for every shape (whole 4×4 blocks, edge rows and columns, chunks)', () => {
    for (const [R, C] of [[1, 1], [3, 5], [4, 4], [7, 9], [64, 13], [832, 256], [257, 130]] as const) {
      const src = kernels.float32(R * C);
      src.set(Float32Array.from(uniform(R * C, `t${R}x${C}`)));
      const got = kernels.float32(R * C).fill(Number.NaN);
      kernels.transpose(src, got, R, C);
      const want = new Float32Array(R * C);
      reference.transpose(src, want, R, C);
      expect(Array.from(got)).toEqual(Array.from(want));
      expect(want[Math.min(1, C - 1) * R]).toBe(src[Math.min(1, C - 1)]);
    }
  });
});


/** Φ(x) through erfc by Abramowitz & Stegun 7.1.26 (|error| < 1.5e-7, far below the KS bound). */
function normalCdf(x: number): number {
  const t = 1 / (1 + 0.3275911 * (Math.abs(x) / Math.SQRT2));
  const poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  const erfc = poly * Math.exp(-(x * x) / 2);
  return x >= 0 ? 1 - erfc / 2 : erfc / 2;
}

describe.skipIf(!wasm)('kernel memory', () => {
  // The view lives only inside this function, so it is garbage once it returns.
  const deadBlock = (n: number) => wasm!.float64(n).byteOffset;

  it('takes back the blocks of dead arrays when asked, and never a live one', async () => {
    const n = 4 << 20; // 32 MiB of f64
    const live = wasm!.float64(n);
    live.fill(1);
    const address = deadBlock(n);
    // A WeakRef keeps its target alive until the current job ends (as in training, where networks from
    // earlier runs are long dead): let it end.
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(wasm!.reclaim()).toBeGreaterThanOrEqual(n * 8);
    // The dead block's address is handed out again; the live array keeps its memory and contents.
    const again = wasm!.float64(n);
    expect(again.byteOffset).toBe(address);
    expect(again.every((v) => v === 0)).toBe(true);
    expect(Math.abs(again.byteOffset - live.byteOffset)).toBeGreaterThanOrEqual(n * 8);
    expect(live.every((v) => v === 1)).toBe(true);
    expect(wasm!.reclaim()).toBe(0);
  });
});
