import type { Matrix } from '../matrix/matrix.js';
import type { LayerActivity } from '../tile/counters.js';
import type { ParameterHealth } from './divergence.js';

/** A labelled set of examples: one row of `inputs` per example. */
export interface Dataset {
  readonly inputs: Matrix;
  readonly labels: Uint8Array;
}

/** What the trainer needs of a network; the models package builds these. */
export interface TrainableNetwork {
  /** Logits for a batch; `training` keeps what backward needs. */
  forward(x: Matrix, training: boolean): Matrix;
  /** Back-propagates dL/dlogits through every layer and keeps each layer's gradients. */
  backward(dLogits: Matrix): void;
  /** Applies the kept gradients (the crossbar update phase for analog layers). */
  update(learningRate: number): void;
  /** Hardware activity per crossbar layer so far. */
  activity(): Record<string, LayerActivity>;
  /** Where the parameters went wrong, for a divergence message (scans every array: not per step). */
  parameterHealth?(): ParameterHealth;
}

export interface EpochMetrics {
  readonly epoch: number;
  readonly trainLoss: number;
  readonly trainAccuracy: number;
  readonly testLoss: number;
  readonly testAccuracy: number;
  readonly seconds: number;
}

/** Reporter hooks, each optional; the trainer calls them in the order listed. */
export interface TrainingReporter {
  /** Once, before the first epoch this call trains (a resumed run starts past 1). */
  onTrainStart?(run: { readonly epochs: number; readonly startEpoch: number }): void;
  /** Before the first batch of an epoch. */
  onEpochStart?(epoch: number, batches: number): void;
  /** After each training step, with that batch's mean loss. */
  onBatch?(epoch: number, batch: number, loss: number): void;
  /** After the epoch's evaluation on the test set. */
  onEpochEnd?(metrics: EpochMetrics): void | Promise<void>;
}
