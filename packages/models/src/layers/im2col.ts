import type { ConvShape } from '@txsim/core';

/*
 * The layout change that turns a convolution into one matrix product. Images are rows of
 * channels·height·width values (C·H·W order); a patch row holds the kernel window of one output
 * position, ordered channel, kernel row, kernel column — the row order of the (C·k·k) × outC weight
 * matrix. Patch rows run image by image, then output row, then output column, so one matrix
 * (batch·outH·outW) × (C·k·k) holds every patch of a batch: one crossbar read for all of them.
 */

/** Patches of a batch of images: `out` is (batch·outH·outW) × (C·k·k), zero where the window hangs over the padding. */
export function im2col(x: Float32Array, batch: number, s: ConvShape, out: Float32Array): void {
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

/** The adjoint of im2col: adds each patch-row gradient back onto the input positions it was read from. */
export function col2im(cols: Float32Array, batch: number, s: ConvShape, out: Float32Array): void {
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

/**
 * Product rows (batch·P × C, one row per output position) to images (batch × C·P), adding each
 * channel's bias on the way. P = outH·outW.
 */
export function rowsToImages(rows: Float32Array, batch: number, positions: number, channels: number, bias: Float32Array, out: Float32Array): void {
  for (let n = 0; n < batch; n++) {
    const src = n * positions * channels;
    const dst = n * positions * channels;
    for (let c = 0; c < channels; c++) {
      const b = bias[c]!;
      const d = dst + c * positions;
      for (let p = 0, r = src + c; p < positions; p++, r += channels) out[d + p] = rows[r]! + b;
    }
  }
}

/** Images (batch × C·P) to rows (batch·P × C): the layout of the error the crossbar's backward read takes. */
export function imagesToRows(images: Float32Array, batch: number, positions: number, channels: number, out: Float32Array): void {
  for (let n = 0; n < batch; n++) {
    const base = n * positions * channels;
    for (let c = 0; c < channels; c++) {
      const s = base + c * positions;
      for (let p = 0, r = base + c; p < positions; p++, r += channels) out[r] = images[s + p]!;
    }
  }
}

/** A float buffer kept across batches, grown when a batch needs more. */
export class ReusedBuffer {
  private buf = new Float32Array(0);

  /** A view of exactly `length` values; its contents are whatever the last user left. */
  view(length: number): Float32Array {
    if (this.buf.length < length) this.buf = new Float32Array(length);
    return this.buf.subarray(0, length);
  }
}
