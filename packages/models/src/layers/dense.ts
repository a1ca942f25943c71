import { addRowVector, Matrix, type ComputeBackend } from '@txsim/core';
import { clipWeights } from './analog-bias.js';
import type { Layer, LayerState } from './layer.js';
import { LinearGradients } from './linear-gradients.js';

/**
 * A plain float32 linear layer y = x·W + b: the digital reference every crossbar layer is compared with.
 * `bias` null: no bias at all. `clip`: |w| ≤ clip after every update (CrossSim's weight clipping; the bias is not clipped).
 */
export class DenseLayer implements Layer {
  readonly kind = 'digital' as const;
  private readonly grads: LinearGradients;

  constructor(readonly name: string, readonly weights: Matrix, readonly bias: Float32Array | null, private readonly backend: ComputeBackend, private readonly clip?: number) {
    this.grads = new LinearGradients(name, weights.rows, weights.cols, backend);
  }

  forward(x: Matrix, training: boolean): Matrix {
    const y = new Matrix(x.rows, this.weights.cols);
    this.backend.gemm(x, this.weights, y);
    if (this.bias) addRowVector(y, this.bias);
    this.grads.keep(x, training);
    return y;
  }

  backward(dy: Matrix, needInput: boolean): Matrix | null {
    this.grads.compute(dy);
    if (!needInput) return null;
    const dx = new Matrix(dy.rows, this.weights.rows);
    this.backend.gemm(dy, this.weights, dx, { transB: true });
    return dx;
  }

  update(learningRate: number): void {
    const w = this.weights.data;
    const g = this.grads.weights.data;
    for (let k = 0; k < w.length; k++) w[k]! -= learningRate * g[k]!;
    if (this.clip !== undefined) clipWeights(w, this.clip);
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
