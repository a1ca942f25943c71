import { describe, expect, it } from 'vitest';
import { kernels, Matrix, registeredKernels, Rng } from '@txsim/core';
import {
  avgPoolBackward, avgPoolForward, channelSums, cnnKernels, imagesToRows, maxPoolBackward, maxPoolForward, rowsToImages, type PoolWindows,
} from './cnn-kernels.js';
import { MaxPool2dLayer } from './pool.js';

/** The float32 bit patterns, NaNs folded to one pattern (their payloads are the runtimes' business, not the kernels'). */
function bits(a: Float32Array): number[] {
  const u = new Uint32Array(a.buffer, a.byteOffset, a.length);
  return Array.from(u, (w, i) => (Number.isNaN(a[i]!) ? 0x7fc00000 : w));
}

function uniform(n: number, seed: string, lo = -1, hi = 1): Float32Array {
  return new Rng(seed).fillUniform(new Float32Array(n), lo, hi) as Float32Array;
}

/** Values on a coarse grid (many ties within a window) with NaN, ±0 and −∞ sprinkled in. */
function awkward(n: number, seed: string): Float32Array {
  const r = new Rng(seed);
  const x = new Float32Array(n);
  const special = [Number.NaN, -0, 0, -Infinity, Infinity];
  for (let i = 0; i < n; i++) {
    const u = r.next();
    x[i] = u < 0.15 ? special[Math.floor(r.next() * special.length)]! : Math.round((r.next() * 2 - 1) * 3) / 2;
  }
  return x;
}

function windows(planes: number, height: number, width: number, size: number, stride: number): PoolWindows {
  return { planes, height, width, size, stride, outHeight: Math.floor((height - size) / stride) + 1, outWidth: Math.floor((width - size) / stride) + 1 };
}

/** planes, H, W, k, s: LeNet's two pools, odd sizes, dropped edges, overlapping windows (s < k), s > k, and s = 3 (no vector path). */
const SHAPES: Array<[number, number, number, number, number]> = [
  [6, 28, 28, 2, 2], [5, 10, 10, 2, 2], [3, 8, 16, 2, 2], [2, 6, 6, 2, 2], [3, 7, 9, 2, 2], [2, 11, 13, 3, 2], [2, 9, 17, 3, 1], [3, 6, 15, 2, 1],
  [2, 13, 14, 2, 3], [1, 5, 23, 3, 3], [4, 8, 8, 8, 1], [2, 3, 3, 1, 1],
];

describe('the CNN compiled kernels against their TypeScript loops, bit for bit', () => {
  it('are registered with core and instantiated on the shared kernel memory', () => {
    expect(registeredKernels()).toContain('@txsim/models/cnn');
    expect(cnnKernels.api).not.toBeNull();
  });

  it('max pooling: values and arg-max with ties, NaN, ±0 and ±∞; the scatter-add of the gradient', () => {
    for (const [planes, H, W, k, s] of SHAPES) {
      const w = windows(planes, H, W, k, s);
      const n = planes * w.outHeight * w.outWidth;
      for (const [tag, x] of [['grid', awkward(planes * H * W, `mx${H}${W}${k}${s}`)], ['uniform', uniform(planes * H * W, `mu${H}${W}`)]] as const) {
        // Window 1 ties −0 with +0 (the first, −0, wins). Window 0 holds only NaN and −∞: the loop keeps best = −∞
        // and index 0; so does the last window of the last plane, whose gradient then goes to index 0 as well.
        for (let ky = 0; ky < k; ky++) for (let kx = 0; kx < k; kx++) x[ky * W + s + kx] = kx % 2 ? 0 : -0;
        const last = (planes - 1) * H * W + (w.outHeight - 1) * s * W + (w.outWidth - 1) * s;
        for (let ky = 0; ky < k; ky++) {
          for (let kx = 0; kx < k; kx++) x[ky * W + kx] = x[last + ky * W + kx] = (ky + kx) % 2 ? Number.NaN : -Infinity;
        }
        const [yc, yr] = [new Float32Array(n), new Float32Array(n)];
        const [ac, ar] = [kernels.int32(n), new Int32Array(n)];
        maxPoolForward.compiled!(x, yc, ac, w);
        maxPoolForward.reference(x, yr, ar, w);
        expect(bits(yc), `${tag} ${planes}×${H}×${W} k${k} s${s}`).toEqual(bits(yr));
        expect(Array.from(ac)).toEqual(Array.from(ar));
        expect([yc[0], ac[0], yc[n - 1], ac[n - 1]]).toEqual([-Infinity, 0, -Infinity, 0]);
        // Without arg-max (inference), through staged (non-resident) operands.
        const yn = new Float32Array(n);
        maxPoolForward.compiled!(x, yn, null, w);
        expect(bits(yn)).toEqual(bits(yr));

        const dy = uniform(n, `dy${H}${W}${k}`);
        dy[1] = -0;
        const [dc, dr] = [kernels.float32(x.length).fill(7), new Float32Array(x.length).fill(7)];
        maxPoolBackward.compiled!(dy, ac, dc, w);
        maxPoolBackward.reference(dy, ar, dr, w);
        expect(bits(dc)).toEqual(bits(dr));
        // A staged (ordinary) arg-max array gives the same.
        const ds = new Float32Array(x.length);
        maxPoolBackward.compiled!(dy, Int32Array.from(ar), ds, w);
        expect(bits(ds)).toEqual(bits(dr));
      }
    }
  });

  it('max-pool gradients of overlapping windows add in window order (float sums identical)', () => {
    // 3×3 windows, stride 1, over a plane whose largest value sits in the middle: every window picks it.
    const w = windows(1, 5, 5, 3, 1);
    const x = new Float32Array(25).fill(-1);
    x[12] = 5;
    const arg = new Int32Array(9);
    maxPoolForward.compiled!(x, new Float32Array(9), arg, w);
    expect(Array.from(arg)).toEqual(new Array(9).fill(12));
    const dy = Float32Array.from([1e8, 1, -1e8, 0.5, 3, 1e-3, -7, 2, 1]);
    const dx = new Float32Array(25);
    maxPoolBackward.compiled!(dy, arg, dx, w);
    let sum = 0;
    for (const g of dy) sum = Math.fround(sum + g);
    expect(dx[12]).toBe(sum);
  });

  it('average pooling forward and backward (f64 window sums, 1/k² rounding of the gradient share)', () => {
    for (const [planes, H, W, k, s] of SHAPES) {
      const w = windows(planes, H, W, k, s);
      const n = planes * w.outHeight * w.outWidth;
      const x = uniform(planes * H * W, `ax${H}${W}${k}`, -3, 3);
      x[5] = Number.NaN;
      x[6] = -0;
      const [yc, yr] = [new Float32Array(n), new Float32Array(n)];
      avgPoolForward.compiled!(x, yc, w);
      avgPoolForward.reference(x, yr, w);
      expect(bits(yc), `${planes}×${H}×${W} k${k} s${s}`).toEqual(bits(yr));
      const dy = uniform(n, `ady${H}${W}${k}`, -2, 2);
      const [dc, dr] = [kernels.float32(x.length).fill(3), new Float32Array(x.length).fill(3)];
      avgPoolBackward.compiled!(dy, dc, w);
      avgPoolBackward.reference(dy, dr, w);
      expect(bits(dc)).toEqual(bits(dr));
    }
  });

  it('product rows ↔ images, with the bias, for odd position and channel counts', () => {
    for (const [batch, P, C] of [[2, 784, 6], [3, 100, 16], [2, 7, 5], [1, 3, 9], [2, 9, 3], [2, 4, 4], [1, 1, 1], [3, 13, 10]] as const) {
      const rows = uniform(batch * P * C, `r${P}${C}`, -4, 4);
      rows[0] = -0;
      rows[1] = Number.NaN;
      const bias = uniform(C, `b${C}`);
      bias[0] = 0;
      const [ic, ir] = [kernels.float32(rows.length), new Float32Array(rows.length)];
      rowsToImages.compiled!(rows, batch, P, C, bias, ic);
      rowsToImages.reference(rows, batch, P, C, bias, ir);
      expect(bits(ic), `${batch}×${P}×${C}`).toEqual(bits(ir));
      const [rc, rr] = [new Float32Array(rows.length), new Float32Array(rows.length)];
      imagesToRows.compiled!(ir, batch, P, C, rc);
      imagesToRows.reference(ir, batch, P, C, rr);
      expect(bits(rc)).toEqual(bits(rr));
      // Independently: back to rows, the bias comes off again up to rounding; with a zero bias exactly.
      const zero = new Float32Array(C);
      rowsToImages.compiled!(rows, batch, P, C, zero, ic);
      imagesToRows.compiled!(ic, batch, P, C, rc);
      expect(bits(rc.subarray(1))).toEqual(bits(rows.subarray(1)));
    }
  });

  it('conv bias gradient: per-channel float64 sums in row order, rounded once', () => {
    for (const [rows, C] of [[50176, 6], [6400, 16], [999, 7], [300, 3], [17, 1], [40, 4]] as const) {
      // Wide dynamic range, so a float32 running sum (or another order) would round differently.
      const d = uniform(rows * C, `cs${rows}${C}`, -1, 1).map((v, i) => (i % 97 === 0 ? v * 1e6 : v));
      const [c, r] = [new Float32Array(C), new Float32Array(C)];
      channelSums.compiled!(d, c);
      channelSums.reference(d, r);
      expect(bits(c), `${rows}×${C}`).toEqual(bits(r));
      for (let ch = 0; ch < C; ch++) {
        let sum = 0;
        for (let i = 0; i < rows; i++) sum += d[i * C + ch]!;
        expect(c[ch]).toBe(Math.fround(sum));
      }
    }
  });
});

describe('MaxPool2dLayer on reused buffers', () => {
  it('keeps a training output across an inference forward, reuses its buffers next step, and scatters by the kept arg-max', () => {
    const pool = new MaxPool2dLayer('pool', { channels: 2, height: 6, width: 6 });
    const x = new Matrix(3, 72, uniform(216, 'lx'));
    const y = pool.forward(x, true);
    const kept = Float32Array.from(y.data);
    pool.forward(new Matrix(3, 72, uniform(216, 'other')), false);
    expect(bits(y.data)).toEqual(bits(kept));
    expect(pool.forward(x, true)).toBe(y);
    const dy = new Matrix(3, 18, uniform(54, 'ldy'));
    const dx = pool.backward(dy);
    const want = new Float32Array(216);
    const arg = new Int32Array(54);
    const w = windows(6, 6, 6, 2, 2);
    maxPoolForward.reference(x.data, new Float32Array(54), arg, w);
    maxPoolBackward.reference(dy.data, arg, want, w);
    expect(bits(dx.data)).toEqual(bits(want));
    expect(pool.backward(dy)).toBe(dx);
    expect(() => pool.backward(new Matrix(2, 18))).toThrow(/output gradient is 2×18, expected 3×18/);
  });
});
