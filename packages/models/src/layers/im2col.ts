import { kernels, Matrix } from '@txsim/core';

export { col2im, im2col } from '@txsim/core';

/* im2col and col2im live in @txsim/core's kernels; the layout changes between product rows and images are this package's kernels (cnn-kernels.ts). */
export { imagesToRows, rowsToImages } from './cnn-kernels.js';

/** A float buffer kept across batches, grown when a batch needs more. */
export class ReusedBuffer {
  private buf: Float32Array = new Float32Array(0);
  /** The last matrix() and the buffer it views. */
  private last: Matrix | undefined;
  private lastBuf: Float32Array | undefined;

  /**
   * A view of exactly `length` values; its contents are whatever the last user left. It lives in the
   * kernels' memory, so im2col writes and col2im reads it in place.
   */
  view(length: number): Float32Array {
    if (this.buf.length < length) this.buf = kernels.float32(length);
    return this.buf.subarray(0, length);
  }

  /**
   * A rows × cols matrix over the start of the buffer (contents as the last user left them). The wrapper is
   * kept while the shape and the buffer stay the same, so a training step asks for its matrices without
   * allocating.
   */
  matrix(rows: number, cols: number): Matrix {
    const m = this.last;
    if (m && m.rows === rows && m.cols === cols && this.lastBuf === this.buf) return m;
    const view = this.view(rows * cols);
    this.lastBuf = this.buf;
    return (this.last = new Matrix(rows, cols, view));
  }
}
