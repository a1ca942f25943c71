import { kernels } from '@txsim/core';

export { col2im, im2col } from '@txsim/core';

/* im2col and col2im live in @txsim/core's kernels (WASM with a TypeScript fallback); the layout changes between product rows and images stay here. */

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
  private buf: Float32Array = new Float32Array(0);

  /**
   * A view of exactly `length` values; its contents are whatever the last user left. It lives in the
   * kernels' memory, so im2col writes and col2im reads it in place.
   */
  view(length: number): Float32Array {
    if (this.buf.length < length) this.buf = kernels.float32(length);
    return this.buf.subarray(0, length);
  }
}
