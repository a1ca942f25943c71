import { trainingKernels } from '../kernels/training.js';
import { Matrix } from './matrix.js';

// The digital training step's element-wise work on matrices, through the kernels of kernels/training.ts
// (WASM SIMD when it loads; their TypeScript references otherwise). Each takes an optional output so a
// layer can reuse its buffers across steps instead of allocating per step.

/** m[i, :] += v, in place (digital bias). */
export function addRowVector(m: Matrix, v: Float32Array): void {
  if (v.length !== m.cols) throw new RangeError(`addRowVector: vector has ${v.length} entries, matrix ${m.cols} columns`);
  trainingKernels.biasAdd(m.data, v, m.data);
}

/** Column sums (the bias gradient of a batch). */
export function sumColumns(m: Matrix, out: Float32Array = new Float32Array(m.cols)): Float32Array {
  if (out.length !== m.cols) throw new RangeError(`sumColumns: output has ${out.length} entries, matrix ${m.cols} columns`);
  trainingKernels.columnSums(m.data, out);
  return out;
}

export function sigmoid(x: Matrix, out: Matrix = new Matrix(x.rows, x.cols)): Matrix {
  trainingKernels.sigmoid(x.data, out.data);
  return out;
}

/** dL/dx of a sigmoid layer from its output y and dL/dy. */
export function sigmoidBackward(y: Matrix, dy: Matrix, out: Matrix = new Matrix(y.rows, y.cols)): Matrix {
  trainingKernels.sigmoidBackward(y.data, dy.data, out.data);
  return out;
}

export function relu(x: Matrix, out: Matrix = new Matrix(x.rows, x.cols)): Matrix {
  trainingKernels.relu(x.data, out.data);
  return out;
}

export function reluBackward(x: Matrix, dy: Matrix, out: Matrix = new Matrix(x.rows, x.cols)): Matrix {
  trainingKernels.reluBackward(x.data, dy.data, out.data);
  return out;
}

/**
 * Mean softmax cross-entropy over a batch and its gradient w.r.t. the logits, (softmax − onehot)/batch,
 * into `grad` (a new matrix unless given). Computed in float64 with the max subtracted, so large logits
 * neither overflow nor lose the loss. A label that is not a class index throws.
 */
export function softmaxCrossEntropy(
  logits: Matrix, labels: ArrayLike<number>, grad: Matrix = new Matrix(logits.rows, logits.cols),
): { loss: number; grad: Matrix; correct: number } {
  if (labels.length !== logits.rows) throw new RangeError(`softmaxCrossEntropy: ${labels.length} labels for ${logits.rows} rows`);
  if (grad.rows !== logits.rows || grad.cols !== logits.cols) {
    throw new RangeError(`softmaxCrossEntropy: gradient is ${grad.rows}x${grad.cols}, logits ${logits.rows}x${logits.cols}`);
  }
  const { loss, correct } = trainingKernels.softmaxCrossEntropy(logits.data, labels, grad.data);
  return { loss, grad, correct };
}

/**
 * Squared error against one-hot targets, summed over the outputs and averaged over the batch:
 * L = (1/B)·Σ_b Σ_j (y_bj − t_bj)², t_bj = 1 for the label, else 0; dL/dy = 2·(y − t)/B. There is no ½:
 * with sigmoid outputs a = y and batch 1 the delta at the output pre-activation is
 * −2·a·(1 − a)·(t − a), MLP_NeuroSim V3's s2 (Train.cpp), whose SGD step is ΔW = −η·s·x.
 * `correct` counts rows whose largest output (the first, on ties) is the label.
 */
export function squaredError(outputs: Matrix, labels: ArrayLike<number>, grad: Matrix = new Matrix(outputs.rows, outputs.cols)): { loss: number; grad: Matrix; correct: number } {
  const { rows, cols, data } = outputs;
  if (labels.length !== rows) throw new RangeError(`squaredError: ${labels.length} labels for ${rows} rows`);
  if (grad.rows !== rows || grad.cols !== cols) throw new RangeError(`squaredError: gradient is ${grad.rows}x${grad.cols}, outputs ${rows}x${cols}`);
  let loss = 0;
  let correct = 0;
  for (let i = 0; i < rows; i++) {
    const row = i * cols;
    const label = labels[i]!;
    let max = -Infinity;
    let arg = 0;
    for (let j = 0; j < cols; j++) {
      const y = data[row + j]!;
      if (y > max) [max, arg] = [y, j];
      const e = y - (j === label ? 1 : 0);
      loss += e * e;
      grad.data[row + j] = (2 * e) / rows;
    }
    if (arg === label) correct++;
  }
  return { loss: loss / rows, grad, correct };
}
