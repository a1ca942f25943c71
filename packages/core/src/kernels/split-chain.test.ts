import { afterAll, describe, expect, it } from 'vitest';
import { Rng } from '../random/rng.js';
import { kernels, reference, type UpdateChain } from './elementwise.js';
import { NormalStream } from './normal-stream.js';
import { chunkCount, elementwisePool, elementwiseThreads } from './threads.js';
import { elementwiseModule } from './wasm.js';

// kernels.splitChain (sign split and the update chain of both devices in two passes, each stage once per
// weight) against the kernels it replaces, each run on its own: signSplit, then per polarity (plus first) scale,
// updateNonlinearity, writeNoise and addClip. The same states and stream state, bit for bit.

const wasm = elementwiseModule();
const before = elementwiseThreads();
afterAll(() => void elementwiseThreads(before));

const [gmin, gmax] = [1e-6, 1e-5];
const range = gmax - gmin;
// w0 below the range (as the kernels allow): a cell at gmin + w0 gets u = 0 from a positive change though the
// change is not 0, so it takes no normal.
const nonlinear = { gmin, gmax, w0: 2e-6, k: 50_000 };

/** States and requests with every case the two passes tell apart. */
function pair(n: number, seed: string, nan = true) {
  const r = new Rng(seed);
  const plus = new Float64Array(n);
  const minus = new Float64Array(n);
  const want = new Float64Array(n);
  for (let c = 0; c < n; c++) {
    const v = (r.next() - 0.5) * range;
    plus[c] = v > 0 ? gmin + v : gmin;
    minus[c] = v > 0 ? gmin : gmin - v;
    const kind = c % 23;
    const w = (r.next() - 0.5) * 2e-7;
    // 0 and −0 (no change), a weight of exactly 0 (plus = minus), changes that cross zero (both devices move),
    // large ones (the non-linearity's expm1 branch), a device at its bound, a plus device at gmin + w0.
    want[c] = kind === 0 ? 0 : kind === 1 ? -0 : kind === 2 || kind === 3 ? -2 * v + w : kind === 4 ? 40 * w : w;
    if (kind === 5) minus[c] = plus[c] = gmin + r.next() * range;
    if (kind === 6) plus[c] = gmax;
    if (kind === 7) {
      plus[c] = gmin + nonlinear.w0;
      minus[c] = gmin;
      want[c] = Math.abs(w);
    }
  }
  if (nan && n > 11) want[11] = NaN;
  return { plus, minus, want };
}

type Stages = readonly [label: string, nl: boolean, noise: boolean];
const STAGES: readonly Stages[] = [['non-linearity + noise', true, true], ['noise only', false, true], ['non-linearity only', true, false], ['no stage', false, false]];

function chainOf(nl: boolean, noise: boolean, stream: NormalStream): UpdateChain {
  return { ...(nl ? { nonlinear } : {}), ...(noise ? { noise: { stream, scale: 0.05, range } } : {}) };
}

/** The kernels one after another, as the update pipeline ran them before splitChain. */
function unfused(plus: Float64Array, minus: Float64Array, want: Float64Array, nl: boolean, noise: boolean, stream: NormalStream): void {
  const n = want.length;
  const c = { plus: new Float64Array(n), minus: new Float64Array(n) };
  kernels.signSplit(plus, minus, want, c.plus, c.minus);
  for (const [g, d] of [[plus, c.plus], [minus, c.minus]] as const) {
    const u = new Float64Array(n);
    kernels.scale(d, 1, u);
    if (nl) kernels.updateNonlinearity(u.slice(), g, u, nonlinear.gmin, nonlinear.gmax, nonlinear.w0, nonlinear.k);
    const v = new Float64Array(n);
    if (noise) kernels.writeNoise(stream, u, v, 0.05, range);
    kernels.addClip(g, noise ? v : u, g, gmin, gmax);
  }
}

/** Two steps (the second from the states and stream the first left) of `step` on a fresh copy of the pair. */
function twoSteps(n: number, seed: string, alloc: (n: number) => Float64Array, step: (p: Float64Array, m: Float64Array, w: Float64Array, s: NormalStream) => void,
  nan = true) {
  const src = pair(n, seed, nan);
  const [plus, minus, want] = [alloc(n), alloc(n), alloc(n)];
  plus.set(src.plus);
  minus.set(src.minus);
  want.set(src.want);
  const stream = new NormalStream(new Rng(`noise-${seed}`));
  step(plus, minus, want, stream);
  step(plus, minus, want, stream);
  return { plus: Float64Array.from(plus), minus: Float64Array.from(minus), state: Array.from(stream.state), start: src };
}

/** The first cell where a and b differ (Object.is, so NaN equals NaN and −0 differs from 0), or −1. */
function firstDifference(a: Float64Array, b: Float64Array): number {
  if (a.length !== b.length) return 0;
  for (let c = 0; c < a.length; c++) if (!Object.is(a[c], b[c])) return c;
  return -1;
}

/** The two runs end in the same states and stream state. */
function expectSame(a: ReturnType<typeof twoSteps>, b: ReturnType<typeof twoSteps>): void {
  expect(firstDifference(a.plus, b.plus)).toBe(-1);
  expect(firstDifference(a.minus, b.minus)).toBe(-1);
  expect(a.state).toEqual(b.state);
}

const layouts = [['kernel memory', (n: number) => kernels.float64(n)], ['JavaScript arrays', (n: number) => new Float64Array(n)]] as const;

describe('splitChain: sign split and both devices\' update chains', () => {
  for (const [label, nl, noise] of STAGES) {
    it(`(${label}) equals signSplit, then scale → non-linearity → write noise → add and clip on plus, then on minus`, () => {
      elementwiseThreads(1);
      for (const n of [1, 2, 3, 23, 64, 1001]) {
        for (const [, alloc] of layouts) {
          const fused = twoSteps(n, `s${n}`, alloc, (p, m, w, s) => kernels.splitChain(p, m, w, 1, chainOf(nl, noise, s), gmin, gmax));
          const plain = twoSteps(n, `s${n}`, alloc, (p, m, w, s) => unfused(p, m, w, nl, noise, s));
          expectSame(fused, plain);
          if (n >= 23) expect(firstDifference(fused.plus, fused.start.plus)).not.toBe(-1);
        }
      }
    });
  }

  it('the data cover both devices changing at once, and changes the non-linearity turns into 0', () => {
    const { plus, minus, want } = pair(1001, 'cover');
    const [cp, cm] = [new Float64Array(1001), new Float64Array(1001)];
    kernels.signSplit(plus, minus, want, cp, cm);
    let both = 0;
    for (let c = 0; c < 1001; c++) if (cp[c] !== 0 && cm[c] !== 0 && !Number.isNaN(cp[c]!)) both++;
    expect(both).toBeGreaterThan(20);
    const u = new Float64Array(1001);
    kernels.updateNonlinearity(cp, plus, u, nonlinear.gmin, nonlinear.gmax, nonlinear.w0, nonlinear.k);
    let zeroed = 0;
    for (let c = 0; c < 1001; c++) if (cp[c] !== 0 && u[c] === 0) zeroed++;
    expect(zeroed).toBeGreaterThan(20);
  });

  it('returns how many requests are not 0 (the update\'s activity count), on one thread and on the pool', () => {
    for (const threads of wasm ? [1, 2] : [1]) {
      elementwiseThreads(threads);
      for (const n of [1, 23, 1001, 100_003]) {
        const { plus, minus, want } = pair(n, `count${n}`);
        const stream = new NormalStream(new Rng('count'));
        const resident = [plus, minus, want].map((a) => {
          const k = kernels.float64(n);
          k.set(a);
          return k;
        });
        let nonzero = 0;
        for (const w of want) if (w !== 0) nonzero++;
        expect(kernels.splitChain(resident[0]!, resident[1]!, resident[2]!, 1, chainOf(true, true, stream), gmin, gmax)).toBe(nonzero);
        expect(kernels.splitChain(plus, minus, want, 1, chainOf(true, true, stream), gmin, gmax)).toBe(nonzero);
      }
    }
    elementwiseThreads(1);
  });

  // (Without a NaN request: the TypeScript sign split's comparisons turn a NaN change into 0, the kernels keep it.)
  it('without noise, equals the TypeScript loops (sign split, then each device\'s chain)', () => {
    for (const nl of [true, false]) {
      const fused = twoSteps(1001, 'ts', (n) => kernels.float64(n), (p, m, w, s) => kernels.splitChain(p, m, w, 1, chainOf(nl, false, s), gmin, gmax), false);
      const loops = twoSteps(1001, 'ts', (n) => new Float64Array(n), (p, m, w, s) => reference.splitChain(p, m, w, 1, chainOf(nl, false, s), gmin, gmax), false);
      expectSame(fused, loops);
    }
  });

  describe.skipIf(!wasm)('on the worker pool', () => {
    for (const [label, nl, noise] of STAGES.slice(0, 2)) {
      it(`(${label}) 2 threads give the bits and stream state of 1 and of the kernels one after another`, () => {
        const n = 100_003;
        expect(chunkCount(n)).toBeGreaterThan(1);
        const run = (threads: number) => {
          elementwiseThreads(threads);
          if (threads > 1) elementwisePool(wasm!)!.waitReady(10_000);
          return twoSteps(n, 'pool', (m) => kernels.float64(m), (p, m, w, s) => kernels.splitChain(p, m, w, 1, chainOf(nl, noise, s), gmin, gmax));
        };
        const one = run(1);
        elementwiseThreads(1);
        const plain = twoSteps(n, 'pool', (m) => kernels.float64(m), (p, m, w, s) => unfused(p, m, w, nl, noise, s));
        expectSame(one, plain);
        const chunksBefore = elementwisePool(wasm!)?.workerChunks ?? 0;
        expectSame(run(2), one);
        // The comparison covers chunks a helper thread computed (a late helper may take none of one call).
        let tries = 0;
        while (elementwisePool(wasm!)!.workerChunks === chunksBefore && tries++ < 50) expectSame(run(2), one);
        expect(elementwisePool(wasm!)!.workerChunks).toBeGreaterThan(chunksBefore);
      });
    }
  });
});
