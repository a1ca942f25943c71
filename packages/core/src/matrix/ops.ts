import { Matrix } from './matrix.js';

/** m[i, :] += v, in place (digital bias). */
export function addRowVector(m: Matrix, v: Float32Array): void {
  if (v.length !== m.cols) throw new RangeError(`addRowVector: vector has ${v.length} entries, matrix ${m.cols} columns`);
  const { rows, cols, data } = m;
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) data[i * cols + j]! += v[j]!;
}

/** Column sums (the bias gradient of a batch). */
export function sumColumns(m: Matrix, out: Float32Array = new Float32Array(m.cols)): Float32Array {
  out.fill(0);
  const { rows, cols, data } = m;
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[j]! += data[i * cols + j]!;
  return out;
}

export function sigmoid(x: Matrix): Matrix {
  const y = new Matrix(x.rows, x.cols);
  for (let k = 0; k < x.data.length; k++) y.data[k] = 1 / (1 + Math.exp(-x.data[k]!));
  return y;
}

/** dL/dx of a sigmoid layer from its output y and dL/dy. */
export function sigmoidBackward(y: Matrix, dy: Matrix): Matrix {
  const dx = new Matrix(y.rows, y.cols);
  for (let k = 0; k < y.data.length; k++) {
    const s = y.data[k]!;
    dx.data[k] = dy.data[k]! * s * (1 - s);
  }
  return dx;
}

export function relu(x: Matrix): Matrix {
  const y = new Matrix(x.rows, x.cols);
  for (let k = 0; k < x.data.length; k++) y.data[k] = x.data[k]! > 0 ? x.data[k]! : 0;
  return y;
}

export function reluBackward(x: Matrix, dy: Matrix): Matrix {
  const dx = new Matrix(x.rows, x.cols);
  for (let k = 0; k < x.data.length; k++) dx.data[k] = x.data[k]! > 0 ? dy.data[k]! : 0;
  return dx;
}

/**
 * Mean softmax cross-entropy over a batch and its gradient w.r.t. the logits, (softmax − onehot)/batch.
 * Computed in float64 with the max subtracted, so large logits neither overflow nor lose the loss.
 */
export function softmaxCrossEntropy(logits: Matrix, labels: ArrayLike<number>): { loss: number; grad: Matrix; correct: number } {
  const { rows, cols, data } = logits;
  if (labels.length !== rows) throw new RangeError(`softmaxCrossEntropy: ${labels.length} labels for ${rows} rows`);
  const grad = new Matrix(rows, cols);
  let loss = 0;
  let correct = 0;
  for (let i = 0; i < rows; i++) {
    const row = i * cols;
    let max = -Infinity;
    let arg = 0;
    for (let j = 0; j < cols; j++) if (data[row + j]! > max) [max, arg] = [data[row + j]!, j];
    let sum = 0;
    for (let j = 0; j < cols; j++) sum += Math.exp(data[row + j]! - max);
    const label = labels[i]!;
    if (arg === label) correct++;
    loss += Math.log(sum) - (data[row + label]! - max);
    for (let j = 0; j < cols; j++) {
      grad.data[row + j] = (Math.exp(data[row + j]! - max) / sum - (j === label ? 1 : 0)) / rows;
    }
  }
  return { loss: loss / rows, grad, correct };
}

/**
 * Squared error against one-hot targets, summed over the outputs and averaged over the batch:
 * L = (1/B)·Σ_b Σ_j (y_bj − t_bj)², t_bj = 1 for the label, else 0; dL/dy = 2·(y − t)/B. There is no ½:
 * with sigmoid outputs a = y and batch 1 the delta at the output pre-activation is
 * −2·a·(1 − a)·(t − a), MLP_NeuroSim V3's s2 (Train.cpp), whose SGD step is ΔW = −η·s·x.
 * `correct` counts rows whose largest output (the first, on ties) is the label.
 */
export function squaredError(outputs: Matrix, labels: ArrayLike<number>): { loss: number; grad: Matrix; correct: number } {
  const { rows, cols, data } = outputs;
  if (labels.length !== rows) throw new RangeError(`squaredError: ${labels.length} labels for ${rows} rows`);
  const grad = new Matrix(rows, cols);
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
