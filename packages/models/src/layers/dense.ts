import { addRowVector, type ComputeBackend, type Matrix } from '@txsim/core';
import { clipWeights } from './analog-bias.js';
import type { Layer, LayerState } from './layer.js';
import { LinearGradients } from './linear-gradients.js';
import { LayerScratch } from './scratch.js';

const OUT = 0;
const DX = 1;

/**
 * A plain float32 linear layer y = x·W + b: the digital reference every crossbar layer is compared with.
 * `bias` null: no bias at all. `clip`: |w| ≤ clip after every update (CrossSim's weight clipping; the bias is not clipped).
 */
export class DenseLayer implements Layer {
  readonly kind = 'digital' as const;
  private readonly grads: LinearGradients;
  readonly #scratch = new LayerScratch(2);

  constructor(readonly name: string, readonly weights: Matrix, readonly bias: Float32Array | null, private readonly backend: ComputeBackend, private readonly clip?: number) {
    this.grads = new LinearGradients(name, weights.rows, weights.cols, backend);
  }

  /** x·W + b into a buffer the layer reuses (valid until its next forward of this batch size and mode). */
  forward(x: Matrix, training: boolean): Matrix {
    const y = this.#scratch.get(OUT, x.rows, this.weights.cols, training);
    this.backend.gemm(x, this.weights, y);
    if (this.bias) addRowVector(y, this.bias);
    this.grads.keep(x, training);
    return y;
  }

  backward(dy: Matrix, needInput: boolean): Matrix | null {
    this.grads.compute(dy);
    if (!needInput) return null;
    const dx = this.#scratch.get(DX, dy.rows, this.weights.rows, true);
    this.backend.gemm(dy, this.weights, dx, { transB: true });
    return dx;
  }

  /**
   * W ← W − η·xᵀ·δ as one GEMM into W (alpha = −η, beta = 1): the gradient is never stored and W is
   * touched once, by the same threaded kernel, instead of a GEMM into a gradient buffer and an element-wise
   * pass. For η = 1 and batches the kernel sums in one block (≤ 256) this is bit-identical to forming
   * xᵀ·δ and subtracting it; otherwise η·(x·δ) rounds at a different point (float32 ulps).
   */
  update(learningRate: number): void {
    const { x, d } = this.grads.operands();
    this.backend.gemm(x, d, this.weights, { transA: true, alpha: -learningRate, beta: 1 });
    if (this.clip !== undefined) clipWeights(this.weights.data, this.clip);
    if (this.bias) this.grads.stepBias(this.bias, learningRate);
  }

  state(): LayerState {
    return { weights: this.weights.data.slice(), ...(this.bias ? { bias: this.bias.slice() } : {}) };
  }

  restore(state: LayerState): void {
    this.weights.data.set(state.weights!);
    this.bias?.set(state.bias!);
  }
}
