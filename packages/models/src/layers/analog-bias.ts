import { Matrix } from '@txsim/core';

/**
 * aihwkit's analog bias: the bias is one more row of the layer's array, driven by an input that is
 * always 1, so it is read and updated through the same pipeline as the weights. These move between the
 * layer's inputs and the array's (one column wider). Plain loops over whole rows.
 */

/** x (rows × n) → [x, 1] (rows × (n + 1)). */
export function withOnes(x: Matrix): Matrix {
  const n = x.cols;
  const out = new Matrix(x.rows, n + 1);
  for (let r = 0; r < x.rows; r++) {
    out.data.set(x.data.subarray(r * n, (r + 1) * n), r * (n + 1));
    out.data[r * (n + 1) + n] = 1;
  }
  return out;
}

/** g (rows × (n + 1)) → its first n columns: the input gradient without the bias input's. */
export function withoutLast(g: Matrix): Matrix {
  const n = g.cols - 1;
  const out = new Matrix(g.rows, n);
  for (let r = 0; r < g.rows; r++) out.data.set(g.data.subarray(r * (n + 1), r * (n + 1) + n), r * n);
  return out;
}

/** The weights (n × m) with the bias (m) as one more row below them: the array's content. */
export function withBiasRow(w: Matrix, bias: Float32Array, out = new Matrix(w.rows + 1, w.cols)): Matrix {
  out.data.set(w.data);
  out.data.set(bias, w.rows * w.cols);
  return out;
}

/** |w| ≤ limit, in place (weight clipping of a digital layer after its update). */
export function clipWeights(w: Float32Array, limit: number): void {
  for (let k = 0; k < w.length; k++) {
    const v = w[k]!;
    if (v > limit) w[k] = limit;
    else if (v < -limit) w[k] = -limit;
  }
}
