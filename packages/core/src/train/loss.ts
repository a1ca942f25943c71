import type { Matrix } from '../matrix/matrix.js';
import { softmaxCrossEntropy, squaredError } from '../matrix/ops.js';
import type { LossSpec } from '../spec/recipe.js';

/** One batch's mean loss, its gradient w.r.t. the network outputs, and how many rows were classified right. */
export interface LossValue {
  readonly loss: number;
  readonly grad: Matrix;
  readonly correct: number;
}

/** A training loss: the trainer, the test evaluation and the divergence check all use the same one. */
export interface Loss {
  readonly spec: LossSpec;
  /** `grad`: where to write the gradient (reused across steps); a new matrix when absent. */
  evaluate(outputs: Matrix, labels: ArrayLike<number>, grad?: Matrix): LossValue;
  /** The loss of a network that knows nothing, for `classes` outputs: what divergence is measured against. */
  chance(classes: number): number;
  /** How `chance` reads, for the divergence message ("ln 10"). */
  chanceText(classes: number): string;
}

const crossEntropy: Loss = {
  spec: { name: 'cross-entropy' },
  evaluate: softmaxCrossEntropy,
  // Uniform outputs: ln(classes).
  chance: (classes) => Math.log(Math.max(2, classes)),
  chanceText: (classes) => `ln ${Math.max(2, classes)}`,
};

/**
 * Squared error against one-hot targets (ops.ts `squaredError`). A network that knows nothing puts out
 * the mean target 1/C on every output, the best constant: (1 − 1/C)² + (C − 1)/C² = (C − 1)/C. With
 * sigmoid outputs the loss cannot pass C, so there the divergence check (100 × chance) only ever sees
 * non-finite losses; with linear outputs it catches outputs that explode.
 */
function squared(spec: Extract<LossSpec, { name: 'squared-error' }>): Loss {
  return {
    spec,
    evaluate: squaredError,
    chance: (classes) => (Math.max(2, classes) - 1) / Math.max(2, classes),
    chanceText: (classes) => `(${Math.max(2, classes)} − 1)/${Math.max(2, classes)}`,
  };
}

/** The loss a spec names; absent ⇒ softmax cross-entropy. */
export function lossOf(spec: LossSpec | undefined): Loss {
  return !spec || spec.name === 'cross-entropy' ? crossEntropy : squared(spec);
}

/** Whether the network's outputs pass through a sigmoid (squared error on sigmoid outputs). */
export function sigmoidOutputs(spec: LossSpec | undefined): boolean {
  return spec?.name === 'squared-error' && spec.outputs === 'sigmoid';
}
