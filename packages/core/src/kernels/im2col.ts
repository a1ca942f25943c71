import type { ConvShape } from '../spec/model-layers.js';
import { elementwiseModule } from './wasm.js';

/*
 * The layout change that turns a convolution into one matrix product. Images are rows of
 * channels·height·width values (C·H·W order); a patch row holds the kernel window of one output
 * position, ordered channel, kernel row, kernel column — the row order of the (C·k·k) × outC weight
 * matrix. Patch rows run image by image, then output row, then output column, so one matrix
 * (batch·outH·outW) × (C·k·k) holds every patch of a batch: one crossbar read for all of them.
 * Both directions run in the WASM module when it is available (the TypeScript loops below otherwise):
 * with 3×3 windows the loops' work is a few floats per step, which compiled code does 3–4× faster.
 */

/** Patches of a batch of images: `out` is (batch·outH·outW) × (C·k·k), zero where the window hangs over the padding. */
export function im2col(x: Float32Array, batch: number, s: ConvShape, out: Float32Array): void {
  const m = elementwiseModule()?.begin();
  if (!m) return referenceIm2col(x, batch, s, out);
  const rows = batch * s.outHeight * s.outWidth;
  const image = s.channels * s.height * s.width;
  m.api.im2col(m.in(x.subarray(0, batch * image)), m.out(out.subarray(0, rows * s.channels * s.kernel * s.kernel)),
    batch, s.channels, s.height, s.width, s.kernel, s.stride, s.pad, s.outHeight, s.outWidth);
  m.end();
}

/** The adjoint of im2col: adds each patch-row gradient back onto the input positions it was read from. */
export function col2im(cols: Float32Array, batch: number, s: ConvShape, out: Float32Array): void {
  const m = elementwiseModule()?.begin();
  if (!m) return referenceCol2im(cols, batch, s, out);
  const rows = batch * s.outHeight * s.outWidth;
  const image = s.channels * s.height * s.width;
  m.api.col2im(m.in(cols.subarray(0, rows * s.channels * s.kernel * s.kernel)), m.out(out.subarray(0, batch * image)),
    batch, s.channels, s.height, s.width, s.kernel, s.stride, s.pad, s.outHeight, s.outWidth);
  m.end();
}

/** The TypeScript im2col: the fallback without WASM SIMD and the kernel's reference in tests. */
export function referenceIm2col(x: Float32Array, batch: number, s: ConvShape, out: Float32Array): void {
  const { channels, height, width, kernel: k, stride, pad, outHeight, outWidth } = s;
  const plane = height * width;
  const image = channels * plane;
  let o = 0;
  for (let n = 0; n < batch; n++) {
    const base = n * image;
    for (let oy = 0; oy < outHeight; oy++) {
      const y0 = oy * stride - pad;
      const rowsInside = y0 >= 0 && y0 + k <= height;
      for (let ox = 0; ox < outWidth; ox++) {
        const x0 = ox * stride - pad;
        if (rowsInside && x0 >= 0 && x0 + k <= width) {
          // The window lies inside the image (most positions): no bounds checks.
          for (let c = 0; c < channels; c++) {
            let src = base + c * plane + y0 * width + x0;
            for (let ky = 0; ky < k; ky++, src += width) for (let kx = 0; kx < k; kx++) out[o++] = x[src + kx]!;
          }
          continue;
        }
        for (let c = 0; c < channels; c++) {
          const cBase = base + c * plane;
          for (let ky = 0; ky < k; ky++) {
            const iy = y0 + ky;
            if (iy < 0 || iy >= height) {
              out.fill(0, o, o + k);
              o += k;
              continue;
            }
            const row = cBase + iy * width;
            for (let kx = 0; kx < k; kx++) {
              const ix = x0 + kx;
              out[o++] = ix >= 0 && ix < width ? x[row + ix]! : 0;
            }
          }
        }
      }
    }
  }
}

/** The TypeScript col2im: the fallback without WASM SIMD and the kernel's reference in tests. */
export function referenceCol2im(cols: Float32Array, batch: number, s: ConvShape, out: Float32Array): void {
  const { channels, height, width, kernel: k, stride, pad, outHeight, outWidth } = s;
  const plane = height * width;
  const image = channels * plane;
  out.fill(0, 0, batch * image);
  let o = 0;
  for (let n = 0; n < batch; n++) {
    const base = n * image;
    for (let oy = 0; oy < outHeight; oy++) {
      const y0 = oy * stride - pad;
      const rowsInside = y0 >= 0 && y0 + k <= height;
      for (let ox = 0; ox < outWidth; ox++) {
        const x0 = ox * stride - pad;
        if (rowsInside && x0 >= 0 && x0 + k <= width) {
          for (let c = 0; c < channels; c++) {
            let dst = base + c * plane + y0 * width + x0;
            for (let ky = 0; ky < k; ky++, dst += width) for (let kx = 0; kx < k; kx++) out[dst + kx]! += cols[o++]!;
          }
          continue;
        }
        for (let c = 0; c < channels; c++) {
          const cBase = base + c * plane;
          for (let ky = 0; ky < k; ky++) {
            const iy = y0 + ky;
            if (iy < 0 || iy >= height) {
              o += k;
              continue;
            }
            const row = cBase + iy * width;
            for (let kx = 0; kx < k; kx++, o++) {
              const ix = x0 + kx;
              if (ix >= 0 && ix < width) out[row + ix]! += cols[o]!;
            }
          }
        }
      }
    }
  }
}

