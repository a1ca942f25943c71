import { elementwiseModule } from './wasm.js';

/** Mean loss, correct count and gradient of `trainingKernels.softmaxCrossEntropy`. */
export interface LossResult {
  /** Mean softmax cross-entropy over the batch (nats). */
  loss: number;
  /** Rows whose arg-max (first maximum) is their label. */
  correct: number;
}

/**
 * The element-wise kernels of a digital training step, in the WASM SIMD module when it loads (see
 * assembly/training.ts for how each one rounds) and otherwise the TypeScript loops of
 * `referenceTrainingKernels`, which the tests compare them with. Operands allocated with
 * `kernels.float32()` are used in place; any others are copied in and out. Outputs may alias inputs
 * where a kernel says so. None allocates in steady state.
 */
export const trainingKernels = {
  /** out[i, j] = x[i, j] + bias[j] over rows of `bias.length` (out may be x). Bit-exact. */
  biasAdd(x: Float32Array, bias: Float32Array, out: Float32Array): void {
    const cols = bias.length;
    const rows = checkRows('biasAdd', x, cols, out);
    const m = elementwiseModule()?.begin();
    if (!m) return reference.biasAdd(x, bias, out);
    const xp = out === x ? m.inout(x) : m.in(x);
    m.api.biasAdd(xp, m.in(bias), out === x ? xp : m.out(out), rows, cols);
    m.end();
  },

  /** out[j] = Σ_i src[i, j] over rows of `out.length` (the bias gradient), summed in row order in f32. Bit-exact. */
  columnSums(src: Float32Array, out: Float32Array): void {
    const cols = out.length;
    const rows = checkRows('columnSums', src, cols);
    const m = elementwiseModule()?.begin();
    if (!m) return reference.columnSums(src, out);
    m.api.columnSums(m.in(src), m.out(out), rows, cols, 0, cols);
    m.end();
  },

  /** w ← w − lr·g (plain SGD), in f64 rounded once to float32. Bit-exact. */
  sgdStep(w: Float32Array, g: Float32Array, lr: number): void {
    sameLength('sgdStep', w, g);
    const m = elementwiseModule()?.begin();
    if (!m) return reference.sgdStep(w, g, lr);
    m.api.sgdStep(m.inout(w), m.in(g), w.length, lr);
    m.end();
  },

  /** out = 1/(1 + e^(−x)) (out may be x). Within 4 float32 ulps of the reference (polynomial e^x). */
  sigmoid(x: Float32Array, out: Float32Array): void {
    sameLength('sigmoid', x, out);
    const m = elementwiseModule()?.begin();
    if (!m) return reference.sigmoid(x, out);
    unary(m, m.api.sigmoid, x, out);
  },

  /** dx = dy·y·(1 − y) from the sigmoid's output y (dx may be dy). Bit-exact. */
  sigmoidBackward(y: Float32Array, dy: Float32Array, dx: Float32Array): void {
    sameLength('sigmoidBackward', y, dy, dx);
    const m = elementwiseModule()?.begin();
    if (!m) return reference.sigmoidBackward(y, dy, dx);
    const dyp = dx === dy ? m.inout(dy) : m.in(dy);
    m.api.sigmoidBackward(m.in(y), dyp, dx === dy ? dyp : m.out(dx), y.length);
    m.end();
  },

  /** out = x > 0 ? x : 0 (out may be x). Bit-exact. */
  relu(x: Float32Array, out: Float32Array): void {
    sameLength('relu', x, out);
    const m = elementwiseModule()?.begin();
    if (!m) return reference.relu(x, out);
    unary(m, m.api.relu, x, out);
  },

  /** dx = x > 0 ? dy : 0 from the ReLU's input x (dx may be dy). Bit-exact. */
  reluBackward(x: Float32Array, dy: Float32Array, dx: Float32Array): void {
    sameLength('reluBackward', x, dy, dx);
    const m = elementwiseModule()?.begin();
    if (!m) return reference.reluBackward(x, dy, dx);
    const dyp = dx === dy ? m.inout(dy) : m.in(dy);
    m.api.reluBackward(m.in(x), dyp, dx === dy ? dyp : m.out(dx), x.length);
    m.end();
  },

  /**
   * Mean softmax cross-entropy of a batch of `labels.length` rows of logits and its gradient
   * (softmax − onehot)/rows into `grad`, in f64 with each row's maximum subtracted. Agrees with the
   * reference to the last bits of a double (the two runtimes' exp and log).
   */
  softmaxCrossEntropy(logits: Float32Array, labels: ArrayLike<number>, grad: Float32Array): LossResult {
    const rows = labels.length;
    const cols = rows === 0 ? 0 : logits.length / rows;
    if (!Number.isInteger(cols)) throw new RangeError(`softmaxCrossEntropy: ${logits.length} logits do not split into ${rows} rows`);
    sameLength('softmaxCrossEntropy', logits, grad);
    const m = elementwiseModule()?.begin();
    if (!m || rows === 0) return reference.softmaxCrossEntropy(logits, labels, grad);
    if (labelScratch.length < rows) labelScratch = new Uint32Array(rows);
    // The same view while the batch size stays (a fresh one per step missed the residency cache).
    if (labelView.length !== rows || labelView.buffer !== labelScratch.buffer) labelView = labelScratch.subarray(0, rows);
    const lab = labelView;
    // Set converts and range-checks nothing: a negative or fractional label becomes an out-of-range u32
    // or a truncated one, so check integers here and let the kernel check the range.
    lab.set(labels as ArrayLike<number>);
    for (let i = 0; i < rows; i++) if (lab[i] !== labels[i]) badLabel(labels[i]!, i, cols);
    const status = m.api.softmaxCrossEntropy(m.in(logits), m.in(lab), m.out(grad), m.out(lossOut), rows, cols);
    m.end();
    if (status < 0) badLabel(labels[-1 - status]!, -1 - status, cols);
    return { loss: lossOut[0]!, correct: lossOut[1]! };
  },
};

let labelView = new Uint32Array(0);
let labelScratch = new Uint32Array(0);
const lossOut = new Float64Array(2);

function unary(
  m: NonNullable<ReturnType<typeof elementwiseModule>>, kernel: (x: number, out: number, n: number) => void, x: Float32Array, out: Float32Array,
): void {
  const xp = out === x ? m.inout(x) : m.in(x);
  kernel(xp, out === x ? xp : m.out(out), x.length);
  m.end();
}

function badLabel(label: number, row: number, cols: number): never {
  throw new RangeError(`softmaxCrossEntropy: label ${label} of row ${row} is not a class index 0–${cols - 1}`);
}

function checkRows(what: string, x: Float32Array, cols: number, out?: Float32Array): number {
  const rows = cols === 0 ? 0 : x.length / cols;
  if (!Number.isInteger(rows)) throw new RangeError(`${what}: ${x.length} values do not split into rows of ${cols}`);
  if (out) sameLength(what, x, out);
  return rows;
}

function sameLength(what: string, a: Float32Array, ...others: Float32Array[]): void {
  for (const o of others) if (o.length !== a.length) throw new RangeError(`${what}: operands hold ${a.length} and ${o.length} values`);
}

/** The TypeScript loops: the fallback without the WASM module and the reference in tests. */
const reference = {
  biasAdd(x: Float32Array, bias: Float32Array, out: Float32Array): void {
    const cols = bias.length;
    for (let k = 0; k < x.length; k++) out[k] = x[k]! + bias[k % cols]!;
  },

  columnSums(src: Float32Array, out: Float32Array): void {
    const cols = out.length;
    out.fill(0);
    for (let k = 0; k < src.length; k++) out[k % cols]! += src[k]!;
  },

  sgdStep(w: Float32Array, g: Float32Array, lr: number): void {
    for (let k = 0; k < w.length; k++) w[k]! -= lr * g[k]!;
  },

  sigmoid(x: Float32Array, out: Float32Array): void {
    for (let k = 0; k < x.length; k++) out[k] = 1 / (1 + Math.exp(-x[k]!));
  },

  sigmoidBackward(y: Float32Array, dy: Float32Array, dx: Float32Array): void {
    for (let k = 0; k < y.length; k++) {
      const s = y[k]!;
      dx[k] = dy[k]! * s * (1 - s);
    }
  },

  relu(x: Float32Array, out: Float32Array): void {
    for (let k = 0; k < x.length; k++) out[k] = x[k]! > 0 ? x[k]! : 0;
  },

  reluBackward(x: Float32Array, dy: Float32Array, dx: Float32Array): void {
    for (let k = 0; k < x.length; k++) dx[k] = x[k]! > 0 ? dy[k]! : 0;
  },

  softmaxCrossEntropy(logits: Float32Array, labels: ArrayLike<number>, grad: Float32Array): LossResult {
    const rows = labels.length;
    const cols = rows === 0 ? 0 : logits.length / rows;
    let loss = 0;
    let correct = 0;
    for (let i = 0; i < rows; i++) {
      const row = i * cols;
      let max = -Infinity;
      let arg = 0;
      for (let j = 0; j < cols; j++) {
        if (logits[row + j]! > max) {
          max = logits[row + j]!;
          arg = j;
        }
      }
      let sum = 0;
      for (let j = 0; j < cols; j++) sum += Math.exp(logits[row + j]! - max);
      const label = labels[i]!;
      if (!(Number.isInteger(label) && label >= 0 && label < cols)) badLabel(label, i, cols);
      if (arg === label) correct++;
      loss += Math.log(sum) - (logits[row + label]! - max);
      for (let j = 0; j < cols; j++) grad[row + j] = (Math.exp(logits[row + j]! - max) / sum - (j === label ? 1 : 0)) / rows;
    }
    return { loss: rows === 0 ? NaN : loss / rows, correct };
  },
};

export { reference as referenceTrainingKernels };
