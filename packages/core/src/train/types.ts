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
  /**
   * Applies the kept gradients (the crossbar update phase for analog layers) at `learningRate`, or at
   * `layerRates[name]` for a layer named there.
   */
  update(learningRate: number, layerRates?: Readonly<Record<string, number>>): void;
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
  /** The learning rate this epoch trained at (the schedule's; absent from runs recorded before schedules). */
  readonly learningRate?: number;
  /** The layers with a base rate of their own, and the rate each trained at this epoch. */
  readonly learningRates?: Readonly<Record<string, number>>;
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
