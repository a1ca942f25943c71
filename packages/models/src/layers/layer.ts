import type { LayerActivity, Matrix } from '@txsim/core';

/** Saved parameters of one layer (typed arrays, copied). */
export type LayerState = Record<string, Float32Array | Float64Array>;

export interface Layer {
  readonly name: string;
  readonly kind: 'analog' | 'digital' | 'activation';
  /** Output for a batch; with `training`, keeps what backward needs. */
  forward(x: Matrix, training: boolean): Matrix;
  /** Keeps parameter gradients and returns dL/dx, or null when `needInput` is false (the first layer). */
  backward(dy: Matrix, needInput: boolean): Matrix | null;
  /** Applies the kept gradients. */
  update?(learningRate: number): void;
  activity?(): LayerActivity;
  state?(): LayerState;
  restore?(state: LayerState): void;
}
