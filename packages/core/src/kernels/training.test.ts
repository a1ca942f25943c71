import { describe, expect, it } from 'vitest';
import { Rng } from '../random/rng.js';
import { kernels } from './elementwise.js';
import { referenceTrainingKernels as ref, trainingKernels as wk } from './training.js';
import { elementwiseModule } from './wasm.js';

const wasm = elementwiseModule();
// Odd sizes exercise every tail (f32x4 groups, f64x2 pairs).
const SIZES = [1, 2, 3, 5, 7, 9, 257, 1003];

function uniform(n: number, seed: string, lo = -1, hi = 1): Float32Array {
  return Float32Array.from(new Rng(seed).fillUniform(new Float64Array(n), lo, hi));
}

/** The bit patterns, so that +0/−0 and NaN payloads count as differences. */
const bits = (a: Float32Array) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));

/** Runs `f` on plain (staged) arrays and on arrays that live in the module's memory. */
function bothLayouts(f: (alloc: (n: number) => Float32Array) => void): void {
  f((k) => new Float32Array(k));
  f((k) => kernels.float32(k));
}

/** Float32 ulps between a and b (0 when both are the same number). */
function ulps(a: number, b: number): number {
  if (a === b || (Number.isNaN(a) && Number.isNaN(b))) return 0;
  const scale = 2 ** (Math.floor(Math.log2(Math.max(Math.abs(b), 2 ** -126))) - 23);
  return Math.abs(a - b) / scale;
}

describe.skipIf(!wasm)('training-step WASM kernels against their TypeScript loops', () => {
  it('bias add, column sums and the SGD step are bit-exact (one f32 rounding each, or f64 rounded once)', () => {
    for (const cols of [1, 3, 4, 10, 37]) {
      for (const rows of [1, 2, 64]) {
        bothLayouts((alloc) => {
          const x = alloc(rows * cols);
          x.set(uniform(rows * cols, `x${rows}.${cols}`, -5, 5));
          const bias = uniform(cols, `b${cols}`, -1, 1);
          const want = new Float32Array(rows * cols);
          ref.biasAdd(x, bias, want);
          const got = alloc(rows * cols);
          wk.biasAdd(x, bias, got);
          expect(bits(got)).toEqual(bits(want));
          wk.biasAdd(x, bias, x); // in place
          expect(bits(x)).toEqual(bits(want));

          const sums = alloc(cols);
          const wantSums = new Float32Array(cols);
          ref.columnSums(x, wantSums);
          wk.columnSums(x, sums);
          expect(bits(sums)).toEqual(bits(wantSums));
        });
      }
    }
    for (const n of SIZES) {
      for (const lr of [1, 0.1, 0.37]) {
        bothLayouts((alloc) => {
          const w = alloc(n);
          w.set(uniform(n, `w${n}`));
          const g = uniform(n, `g${n}`, -3, 3);
          const want = w.slice();
          ref.sgdStep(want, g, lr);
          wk.sgdStep(w, g, lr);
          expect(bits(w)).toEqual(bits(want));
        });
      }
    }
  });

  it('ReLU and both activation gradients are bit-exact, including −0 and NaN inputs', () => {
    for (const n of SIZES) {
      bothLayouts((alloc) => {
        const x = alloc(n);
        x.set(uniform(n, `a${n}`, -4, 4));
        if (n > 2) [x[0], x[1], x[2]] = [-0, 0, NaN];
        const dy = alloc(n);
        dy.set(uniform(n, `dy${n}`, -2, 2));
        const y = alloc(n);
        ref.sigmoid(x, y);
        for (const [name, run, check] of [
          ['relu', (o: Float32Array) => wk.relu(x, o), (o: Float32Array) => ref.relu(x, o)],
          ['reluBackward', (o: Float32Array) => wk.reluBackward(x, dy, o), (o: Float32Array) => ref.reluBackward(x, dy, o)],
          ['sigmoidBackward', (o: Float32Array) => wk.sigmoidBackward(y, dy, o), (o: Float32Array) => ref.sigmoidBackward(y, dy, o)],
        ] as const) {
          const got = alloc(n);
          const want = new Float32Array(n);
          run(got);
          check(want);
          expect(bits(got), name).toEqual(bits(want));
        }
        // In place (dx overwrites dy).
        const want = new Float32Array(n);
        ref.sigmoidBackward(y, dy, want);
        wk.sigmoidBackward(y, dy, dy);
        expect(bits(dy)).toEqual(bits(want));
      });
    }
  });

  it('the sigmoid is within 4 float32 ulps of 1/(1 + Math.exp(−x)) over the whole range, and keeps NaN', () => {
    const n = 20_011;
    const x = uniform(n, 'sig', -20, 20);
    const special = [0, -0, 1e-30, -1e-30, 15, -15, 30, -30, 87, -87, 88.5, -88.5, 100, -100, 1e30, -1e30, Infinity, -Infinity, NaN];
    x.set(special);
    bothLayouts((alloc) => {
      const got = alloc(n);
      const want = new Float32Array(n);
      wk.sigmoid(x, got);
      ref.sigmoid(x, want);
      let worst = 0;
      for (let k = 0; k < n; k++) {
        // Below e^-87 the kernel's e^x saturates; the sigmoid is then under 1.7e-38 either way.
        if (want[k]! < 2e-38 && got[k]! < 2e-38) continue;
        worst = Math.max(worst, ulps(got[k]!, want[k]!));
      }
      expect(worst).toBeLessThanOrEqual(4);
      expect(Number.isNaN(got[special.length - 1]!)).toBe(true);
      // In place gives the same bits.
      const inPlace = alloc(n);
      inPlace.set(x);
      wk.sigmoid(inPlace, inPlace);
      expect(bits(inPlace)).toEqual(bits(got));
    });
  });

  it('softmax cross-entropy: loss to 1e-12, gradient within 1 ulp, the same correct count; bad labels throw', () => {
    for (const [rows, cols] of [[1, 2], [3, 10], [64, 10], [17, 100]] as const) {
      const logits = uniform(rows * cols, `l${rows}`, -8, 8);
      logits[0] = 1e4; // a huge logit must neither overflow nor lose the loss
      const rng = new Rng(`y${rows}`);
      const labels = Uint8Array.from({ length: rows }, () => Math.floor(rng.next() * cols));
      const want = new Float32Array(rows * cols);
      const r = ref.softmaxCrossEntropy(logits, labels, want);
      bothLayouts((alloc) => {
        const got = alloc(rows * cols);
        const w = wk.softmaxCrossEntropy(logits, labels, got);
        expect(Math.abs(w.loss - r.loss) / r.loss).toBeLessThan(1e-12);
        expect(w.correct).toBe(r.correct);
        let worst = 0;
        for (let k = 0; k < want.length; k++) worst = Math.max(worst, ulps(got[k]!, want[k]!));
        expect(worst).toBeLessThanOrEqual(1);
      });
    }
    const grad = new Float32Array(6);
    expect(() => wk.softmaxCrossEntropy(new Float32Array(6), [0, 3], grad)).toThrow(/label 3 of row 1 is not a class index 0–2/);
    expect(() => wk.softmaxCrossEntropy(new Float32Array(6), [-1, 0], grad)).toThrow(/label -1 of row 0/);
    expect(() => ref.softmaxCrossEntropy(new Float32Array(6), [0, 1.5], grad)).toThrow(/label 1.5 of row 1/);
  });

  it('rejects operands whose shapes disagree, before any work', () => {
    expect(() => wk.biasAdd(new Float32Array(7), new Float32Array(3), new Float32Array(7))).toThrow(/7 values do not split into rows of 3/);
    expect(() => wk.sigmoid(new Float32Array(4), new Float32Array(5))).toThrow(/operands hold 4 and 5 values/);
  });
});
