import { chains, Factored, sensedCurrents, solveLinear, Workspace, type Chains, type CircuitDirection, type WireParams } from './network.js';

/**
 * Effective conductance matrices of one tile (RxNN's FCM): forward M×N with
 * I_col[j] = Σ_i V[i]·Geff[i,j]; backward N×M with I_row[i] = Σ_j V[j]·Geff[j,i].
 * Column k of the identity drives input k; the sensed currents are row k of Geff.
 */

/** Exact nodal solve of one tile (g: M×N row-major siemens). Returns forward M×N or backward N×M Geff. */
export function exactEffectiveConductance(g: Float64Array, rows: number, cols: number, wires: WireParams, direction: CircuitDirection): Float64Array {
  const c = checked(g, rows, cols, wires, direction);
  const f = new Factored(c, g);
  const ws = new Workspace(g.length);
  return byInput(c, direction, (e, ea, eb) => sensedCurrents(c, g, solveLinear(f, undefined, ea, eb, ws), undefined, direction, e));
}

/**
 * TxSim's Approximate Analytical Model at lowest order: each device in series with the wire between
 * its driver and its sense node only (the result of wire-resistance.ts, as a full Geff matrix).
 */
export function directPathEffectiveConductance(g: Float64Array, rows: number, cols: number, wires: WireParams, direction: CircuitDirection): Float64Array {
  const c = checked(g, rows, cols, wires, direction);
  const out = new Float64Array(rows * cols);
  const forward = direction === 'forward';
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      const gk = g[i * cols + j];
      const series = rowSide(c, j) + colSide(c, i);
      out[forward ? i * cols + j : j * rows + i] = gk > 0 ? gk / (1 + gk * series) : gk;
    }
  }
  return out;
}

/**
 * The direct path followed by `sweeps` block Gauss–Seidel sweeps of the nodal equations (every
 * column chain solved exactly against the current row voltages, then every row chain against the
 * new column voltages). Zero sweeps is the direct path; the error falls geometrically with sweeps
 * (by the square of the row–column coupling per sweep) towards the exact solve.
 */
export function relaxedEffectiveConductance(g: Float64Array, rows: number, cols: number, wires: WireParams, direction: CircuitDirection, sweeps: number): Float64Array {
  const c = checked(g, rows, cols, wires, direction);
  const f = new Factored(c, g);
  const n = g.length;
  const a = new Float64Array(n);
  const b = new Float64Array(n);
  return byInput(c, direction, (e, ea, eb) => {
    // Direct-path node voltages: each device's current flows through its own path only.
    for (let i = 0; i < rows; i++) {
      for (let j = 0; j < cols; j++) {
        const k = i * cols + j;
        const rs = rowSide(c, j);
        const cs = colSide(c, i);
        const va = ea ? ea[i] : 0;
        const vb = eb ? eb[j] : 0;
        const current = (g[k] * (va - vb)) / (1 + g[k] * (rs + cs));
        a[k] = va - current * rs;
        b[k] = vb + current * cs;
      }
    }
    for (let s = 0; s < sweeps; s++) {
      for (let k = 0; k < n; k++) b[k] = g[k] * a[k];
      f.colSolve(b, eb, b);
      for (let k = 0; k < n; k++) a[k] = g[k] * b[k];
      f.rowSolve(a, ea, a);
    }
    return sensedCurrents(c, g, { a, b }, undefined, direction, e);
  });
}

/** Resistance from a(i,j) to its row end, and from b(i,j) to its column end. */
function rowSide(c: Chains, j: number): number {
  return c.rowEnd + (j + 1) * c.rRow;
}
function colSide(c: Chains, i: number): number {
  return c.colEnd + (c.rows - i) * c.rCol;
}

function checked(g: Float64Array, rows: number, cols: number, wires: WireParams, direction: CircuitDirection): Chains {
  if (!(Number.isInteger(rows) && Number.isInteger(cols) && rows > 0 && cols > 0) || g.length !== rows * cols) {
    throw new RangeError(`expected a ${rows}×${cols} conductance array, got ${g.length} values`);
  }
  return chains(rows, cols, wires, direction);
}

/** Runs one unit drive per input line and stacks the sensed currents, row k for input k. */
function byInput(c: Chains, direction: CircuitDirection, sense: (out: Float64Array, ea?: Float64Array, eb?: Float64Array) => void): Float64Array {
  const inputs = direction === 'forward' ? c.rows : c.cols;
  const outputs = direction === 'forward' ? c.cols : c.rows;
  const out = new Float64Array(inputs * outputs);
  const drive = new Float64Array(inputs);
  for (let k = 0; k < inputs; k++) {
    drive.fill(0);
    drive[k] = 1;
    const row = out.subarray(k * outputs, (k + 1) * outputs);
    if (direction === 'forward') sense(row, drive, undefined);
    else sense(row, undefined, drive);
  }
  return out;
}
