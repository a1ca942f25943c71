import { defineKernel, defineKernels } from '@txsim/core';

/** The exports of packages/models/assembly/cnn.ts (addresses are byte offsets into the kernel memory). */
export interface CnnExports {
  maxPoolForward(x: number, y: number, arg: number, planes: number, H: number, W: number, oh: number, ow: number, k: number, s: number, keep: number): void;
  maxPoolBackward(dy: number, arg: number, dx: number, n: number, nx: number, H: number, W: number, oh: number, ow: number, k: number, s: number): void;
  avgPoolForward(x: number, y: number, planes: number, H: number, W: number, oh: number, ow: number, k: number, s: number, scale: number): void;
  avgPoolBackward(dy: number, dx: number, planes: number, H: number, W: number, oh: number, ow: number, k: number, s: number, scale: number): void;
  rowsToImages(rows: number, bias: number, out: number, batch: number, positions: number, channels: number): void;
  imagesToRows(images: number, out: number, batch: number, positions: number, channels: number): void;
  channelSums(src: number, out: number, rows: number, channels: number): void;
}

/** Pooling windows over `planes` single-channel images (batch·channels of them), as the pool layers see them. */
export interface PoolWindows {
  readonly planes: number;
  readonly height: number;
  readonly width: number;
  readonly outHeight: number;
  readonly outWidth: number;
  /** Window side k (k × k values). */
  readonly size: number;
  readonly stride: number;
}

/** The convolutional layers' compiled kernels, on core's shared kernel memory (built by `pnpm build`; dist/layers → build). */
export const cnnKernels = defineKernels<CnnExports>('@txsim/models/cnn', new URL('../../build/cnn.wasm', import.meta.url));

/** Arg-max indices are i32 in the kernel; staging wants a Uint32Array view of the same bytes (never needed for resident arrays). */
const words = (a: Int32Array): Uint32Array => new Uint32Array(a.buffer, a.byteOffset, a.length);

/**
 * Max pooling: y gets each window's largest value, compared `v > best` from −∞ in window order (the first
 * largest wins; NaNs never win; a window of only NaN/−∞ gives −∞ at index 0), and `argmax` (when given) the
 * index into x of the value taken.
 */
export const maxPoolForward = defineKernel(
  cnnKernels,
  (api, memory, x: Float32Array, y: Float32Array, argmax: Int32Array | null, w: PoolWindows): void => {
    const m = memory.begin();
    const a = argmax ? (memory.resident(argmax) ? argmax.byteOffset : m.out(words(argmax))) : 0;
    api.maxPoolForward(m.in(x), m.out(y), a, w.planes, w.height, w.width, w.outHeight, w.outWidth, w.size, w.stride, argmax ? 1 : 0);
    m.end();
  },
  (x: Float32Array, y: Float32Array, argmax: Int32Array | null, w: PoolWindows): void => {
    const { height: H, width: W, outHeight: oh, outWidth: ow, size: k, stride: s } = w;
    let o = 0;
    for (let plane = 0; plane < w.planes; plane++) {
      const base = plane * H * W;
      for (let oy = 0; oy < oh; oy++) {
        for (let ox = 0; ox < ow; ox++, o++) {
          let best = -Infinity;
          let at = 0;
          for (let ky = 0; ky < k; ky++) {
            const row = base + (oy * s + ky) * W + ox * s;
            for (let kx = 0; kx < k; kx++) {
              const v = x[row + kx]!;
              if (v > best) { best = v; at = row + kx; }
            }
          }
          y[o] = best;
          if (argmax) argmax[o] = at;
        }
      }
    }
  },
);

/**
 * dx = 0, then dx[argmax[o]] += dy[o] in order of o (overlapping windows add in that order). The windows
 * only choose the compiled kernel's path (2 × 2 windows tiling the images skip the fill and the scatter).
 */
export const maxPoolBackward = defineKernel(
  cnnKernels,
  (api, memory, dy: Float32Array, argmax: Int32Array, dx: Float32Array, w: PoolWindows): void => {
    const m = memory.begin();
    const a = memory.resident(argmax) ? argmax.byteOffset : m.in(words(argmax));
    api.maxPoolBackward(m.in(dy), a, m.out(dx), dy.length, dx.length, w.height, w.width, w.outHeight, w.outWidth, w.size, w.stride);
    m.end();
  },
  (dy: Float32Array, argmax: Int32Array, dx: Float32Array, _w: PoolWindows): void => {
    dx.fill(0);
    for (let o = 0; o < dy.length; o++) dx[argmax[o]!]! += dy[o]!;
  },
);

/** Average pooling: y = (window sum in f64, in window order)·(1/k²), rounded once to float32. */
export const avgPoolForward = defineKernel(
  cnnKernels,
  (api, memory, x: Float32Array, y: Float32Array, w: PoolWindows): void => {
    const m = memory.begin();
    api.avgPoolForward(m.in(x), m.out(y), w.planes, w.height, w.width, w.outHeight, w.outWidth, w.size, w.stride, 1 / (w.size * w.size));
    m.end();
  },
  (x: Float32Array, y: Float32Array, w: PoolWindows): void => {
    const { height: H, width: W, outHeight: oh, outWidth: ow, size: k, stride: s } = w;
    const scale = 1 / (k * k);
    let o = 0;
    for (let plane = 0; plane < w.planes; plane++) {
      const base = plane * H * W;
      for (let oy = 0; oy < oh; oy++) {
        for (let ox = 0; ox < ow; ox++, o++) {
          let sum = 0;
          for (let ky = 0; ky < k; ky++) {
            const row = base + (oy * s + ky) * W + ox * s;
            for (let kx = 0; kx < k; kx++) sum += x[row + kx]!;
          }
          y[o] = sum * scale;
        }
      }
    }
  },
);

/** dx = 0, then each input of window o gets dy[o]·(1/k²) (an f64 term added to the float32 value), windows in order. */
export const avgPoolBackward = defineKernel(
  cnnKernels,
  (api, memory, dy: Float32Array, dx: Float32Array, w: PoolWindows): void => {
    const m = memory.begin();
    api.avgPoolBackward(m.in(dy), m.out(dx), w.planes, w.height, w.width, w.outHeight, w.outWidth, w.size, w.stride, 1 / (w.size * w.size));
    m.end();
  },
  (dy: Float32Array, dx: Float32Array, w: PoolWindows): void => {
    const { height: H, width: W, outHeight: oh, outWidth: ow, size: k, stride: s } = w;
    const scale = 1 / (k * k);
    dx.fill(0);
    let o = 0;
    for (let plane = 0; plane < w.planes; plane++) {
      const base = plane * H * W;
      for (let oy = 0; oy < oh; oy++) {
        for (let ox = 0; ox < ow; ox++, o++) {
          const g = dy[o]! * scale;
          for (let ky = 0; ky < k; ky++) {
            const row = base + (oy * s + ky) * W + ox * s;
            for (let kx = 0; kx < k; kx++) dx[row + kx]! += g;
          }
        }
      }
    }
  },
);

/**
 * Product rows (batch·P × C, one row per output position) to images (batch × C·P), adding each
 * channel's bias on the way. P = outH·outW. `out` must not alias `rows`.
 */
export const rowsToImages = defineKernel(
  cnnKernels,
  (api, memory, rows: Float32Array, batch: number, positions: number, channels: number, bias: Float32Array, out: Float32Array): void => {
    const m = memory.begin();
    const n = batch * positions * channels;
    api.rowsToImages(m.in(rows.length === n ? rows : rows.subarray(0, n)), m.in(bias), m.out(out.length === n ? out : out.subarray(0, n)), batch, positions, channels);
    m.end();
  },
  (rows: Float32Array, batch: number, positions: number, channels: number, bias: Float32Array, out: Float32Array): void => {
    for (let n = 0; n < batch; n++) {
      const base = n * positions * channels;
      for (let c = 0; c < channels; c++) {
        const b = bias[c]!;
        const d = base + c * positions;
        for (let p = 0, r = base + c; p < positions; p++, r += channels) out[d + p] = rows[r]! + b;
      }
    }
  },
);

/** Images (batch × C·P) to rows (batch·P × C): the layout of the error the crossbar's backward read takes. `out` must not alias `images`. */
export const imagesToRows = defineKernel(
  cnnKernels,
  (api, memory, images: Float32Array, batch: number, positions: number, channels: number, out: Float32Array): void => {
    const m = memory.begin();
    const n = batch * positions * channels;
    api.imagesToRows(m.in(images.length === n ? images : images.subarray(0, n)), m.out(out.length === n ? out : out.subarray(0, n)), batch, positions, channels);
    m.end();
  },
  (images: Float32Array, batch: number, positions: number, channels: number, out: Float32Array): void => {
    for (let n = 0; n < batch; n++) {
      const base = n * positions * channels;
      for (let c = 0; c < channels; c++) {
        const s = base + c * positions;
        for (let p = 0, r = base + c; p < positions; p++, r += channels) out[r] = images[s + p]!;
      }
    }
  },
);

/**
 * out[c] = Σ_r rows[r, c] over the rows of `out.length` channels (the conv bias gradient), each channel summed
 * in float64 in row order and rounded once to float32.
 */
export const channelSums = defineKernel(
  cnnKernels,
  (api, memory, rows: Float32Array, out: Float32Array): void => {
    const m = memory.begin();
    api.channelSums(m.in(rows), m.out(out), rows.length / out.length, out.length);
    m.end();
  },
  (rows: Float32Array, out: Float32Array): void => {
    // One channel at a time with the sum in a local: the same additions in the same order as accumulating
    // every channel per row, without a store and reload of the running sum per element (~3× faster).
    const channels = out.length;
    for (let c = 0; c < channels; c++) {
      let sum = 0;
      for (let o = c; o < rows.length; o += channels) sum += rows[o]!;
      out[c] = sum;
    }
  },
);
