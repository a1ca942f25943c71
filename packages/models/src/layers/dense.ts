import { addRowVector, Matrix, sumColumns, type ComputeBackend } from '@txsim/core';
import type { Layer, LayerState } from './layer.js';

/** A plain float32 linear layer y = x·W + b: the digital reference every crossbar layer is compared with. */
export class DenseLayer implements Layer {
  readonly kind = 'digital' as const;
  private input: Matrix | undefined;
  private readonly gradW: Matrix;
  private readonly gradB: Float32Array;

  constructor(readonly name: string, readonly weights: Matrix, readonly bias: Float32Array, private readonly backend: ComputeBackend) {
    this.gradW = new Matrix(weights.rows, weights.cols);
    this.gradB = new Float32Array(bias.length);
  }

  forward(x: Matrix, training: boolean): Matrix {
    const y = new Matrix(x.rows, this.weights.cols);
    this.backend.gemm(x, this.weights, y);
    addRowVector(y, this.bias);
    this.input = training ? x : undefined;
    return y;
  }

  backward(dy: Matrix, needInput: boolean): Matrix | null {
    if (!this.input) throw new Error(`${this.name}: backward without a training forward`);
    this.backend.gemm(this.input, dy, this.gradW, { transA: true });
    sumColumns(dy, this.gradB);
    if (!needInput) return null;
    const dx = new Matrix(dy.rows, this.weights.rows);
    this.backend.gemm(dy, this.weights, dx, { transB: true });
    return dx;
  }

  update(learningRate: number): void {
    const w = this.weights.data;
    const g = this.gradW.data;
    for (let k = 0; k < w.length; k++) w[k]! -= learningRate * g[k]!;
    for (let k = 0; k < this.bias.length; k++) this.bias[k]! -= learningRate * this.gradB[k]!;
  }

  state(): LayerState {
    return { weights: this.weights.data.slice(), bias: this.bias.slice() };
  }

  restore(state: LayerState): void {
    this.weights.data.set(state.weights!);
    this.bias.set(state.bias!);
  }
}
