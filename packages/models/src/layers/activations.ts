import { relu, reluBackward, sigmoid, sigmoidBackward, type Matrix } from '@txsim/core';
import type { Layer } from './layer.js';
import { LayerScratch } from './scratch.js';

const OUT = 0;
const DX = 1;

/**
 * Element-wise activations run digitally, untouched by crossbar non-idealities (TxSim §III). Outputs and
 * input gradients go into buffers the layer reuses across steps (see LayerScratch).
 */
export class SigmoidLayer implements Layer {
  readonly kind = 'activation' as const;
  private output: Matrix | undefined;
  readonly #scratch = new LayerScratch(2);
  constructor(readonly name: string) {}

  forward(x: Matrix, training: boolean): Matrix {
    const y = sigmoid(x, this.#scratch.get(OUT, x.rows, x.cols, training));
    this.output = training ? y : undefined;
    return y;
  }

  backward(dy: Matrix): Matrix {
    if (!this.output) throw new Error(`${this.name}: backward without a training forward`);
    return sigmoidBackward(this.output, dy, this.#scratch.get(DX, dy.rows, dy.cols, true));
  }
}

export class ReluLayer implements Layer {
  readonly kind = 'activation' as const;
  private input: Matrix | undefined;
  readonly #scratch = new LayerScratch(2);
  constructor(readonly name: string) {}

  forward(x: Matrix, training: boolean): Matrix {
    this.input = training ? x : undefined;
    return relu(x, this.#scratch.get(OUT, x.rows, x.cols, training));
  }

  backward(dy: Matrix): Matrix {
    if (!this.input) throw new Error(`${this.name}: backward without a training forward`);
    return reluBackward(this.input, dy, this.#scratch.get(DX, dy.rows, dy.cols, true));
  }
}
