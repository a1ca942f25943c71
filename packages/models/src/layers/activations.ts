import { relu, reluBackward, sigmoid, sigmoidBackward, type Matrix } from '@txsim/core';
import type { Layer } from './layer.js';

/** Element-wise activations run digitally, untouched by crossbar non-idealities (TxSim §III). */
export class SigmoidLayer implements Layer {
  readonly kind = 'activation' as const;
  private output: Matrix | undefined;
  constructor(readonly name: string) {}

  forward(x: Matrix, training: boolean): Matrix {
    const y = sigmoid(x);
    this.output = training ? y : undefined;
    return y;
  }

  backward(dy: Matrix): Matrix {
    if (!this.output) throw new Error(`${this.name}: backward without a training forward`);
    return sigmoidBackward(this.output, dy);
  }
}

export class ReluLayer implements Layer {
  readonly kind = 'activation' as const;
  private input: Matrix | undefined;
  constructor(readonly name: string) {}

  forward(x: Matrix, training: boolean): Matrix {
    this.input = training ? x : undefined;
    return relu(x);
  }

  backward(dy: Matrix): Matrix {
    if (!this.input) throw new Error(`${this.name}: backward without a training forward`);
    return reluBackward(this.input, dy);
  }
}
