import { kernels, Matrix } from '@txsim/core';

/**
 * A layer's output and gradient buffers, kept across steps so a training step allocates nothing. One buffer
 * per slot, batch size and mode: a training forward and an inference forward of the same size (an
 * evaluation between steps) never share one, so what a training forward keeps for backward survives it.
 * The buffers live in kernel memory, where the element-wise kernels use them in place. A returned matrix is
 * valid until the same slot is asked for again with the same size and mode (the layer's next step).
 */
export class LayerScratch {
  readonly #buffers = new Map<number, Matrix>();

  constructor(private readonly slots: number) {}

  get(slot: number, rows: number, cols: number, training: boolean): Matrix {
    const key = (rows * this.slots + slot) * 2 + (training ? 1 : 0);
    let m = this.#buffers.get(key);
    if (!m || m.cols !== cols) {
      // A network sees a few batch sizes (training, the last short batch, evaluation); past that, start over.
      if (this.#buffers.size >= 16) this.#buffers.clear();
      m = new Matrix(rows, cols, kernels.float32(rows * cols));
      this.#buffers.set(key, m);
    }
    return m;
  }
}
