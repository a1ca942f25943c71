import { addRowVector, Matrix, sumColumns, type ComputeBackend, type LayerActivity, type TiledCrossbar } from '@txsim/core';
import type { Layer, LayerState } from './layer.js';

/**
 * A linear layer whose weights live on crossbar tiles: forward (x·W) and backward (δ·Wᵀ) are array
 * reads, and the update goes through the tile's update rule and device. The bias stays digital, as in
 * aihwkit's default (digital_bias), and the weight gradient xᵀ·δ is formed digitally (TxSim's update
 * abstraction) before the tile turns it into conductance changes.
 */
export class AnalogLinearLayer implements Layer {
  readonly kind = 'analog' as const;
  private input: Matrix | undefined;
  private readonly gradW: Matrix;
  private readonly gradB: Float32Array;

  constructor(readonly name: string, readonly crossbar: TiledCrossbar, readonly bias: Float32Array, private readonly backend: ComputeBackend) {
    this.gradW = new Matrix(crossbar.geometry.rows, crossbar.geometry.cols);
    this.gradB = new Float32Array(bias.length);
  }

  forward(x: Matrix, training: boolean): Matrix {
    const y = this.crossbar.forward(x);
    addRowVector(y, this.bias);
    this.input = training ? x : undefined;
    return y;
  }

  backward(dy: Matrix, needInput: boolean): Matrix | null {
    if (!this.input) throw new Error(`${this.name}: backward without a training forward`);
    this.backend.gemm(this.input, dy, this.gradW, { transA: true });
    sumColumns(dy, this.gradB);
    return needInput ? this.crossbar.backward(dy) : null;
  }

  update(learningRate: number): void {
    this.crossbar.update(this.gradW, learningRate);
    for (let k = 0; k < this.bias.length; k++) this.bias[k]! -= learningRate * this.gradB[k]!;
  }

  activity(): LayerActivity {
    return this.crossbar.activity;
  }

  state(): LayerState {
    return { plus: this.crossbar.conductances('plus'), minus: this.crossbar.conductances('minus'), bias: this.bias.slice() };
  }

  restore(state: LayerState): void {
    this.crossbar.restore(state.plus as Float64Array, state.minus as Float64Array);
    this.bias.set(state.bias!);
  }
}
