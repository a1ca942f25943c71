/**
 * The resistive network of one crossbar tile and its exact solve.
 *
 * Row i: driver → rSource → rRow → a(i,0) → rRow → a(i,1) … a(i,N−1) (open end).
 * Column j: b(0,j) (open end) → rCol → … → b(M−1,j) → rCol → sense node → rSink → 0 V.
 * Device (i,j) joins a(i,j) and b(i,j). A backward read swaps the roles of the ends: the column
 * ends are driven through rSource and the row ends sensed through rSink.
 *
 * Every row wire and every column wire is a chain, solved in O(length) by a Norton sweep from its
 * open end (written with resistances, not conductances, so a zero resistance is exact: the nodes
 * merge). The whole network is solved by conjugate gradients on the column-node voltages b after
 * eliminating the row nodes (Schur complement S = A_b − G·A_a⁻¹·G), preconditioned by the column
 * chains A_b⁻¹: the preconditioned spectrum lies in [1 − ρ², 1] with ρ < 1 the coupling of rows to
 * columns through the devices, so a handful of iterations reach machine precision when devices are
 * far more resistive than the wires. A_b·p is never formed (it is infinite for a zero wire
 * resistance): q = A_b·p is carried along as r + β·q.
 */

export interface WireParams {
  /** Row wire resistance per cell segment (ohm). */
  readonly rRow: number;
  /** Column wire resistance per cell segment (ohm). */
  readonly rCol: number;
  /** Driver output resistance (ohm). */
  readonly rSource: number;
  /** Sense-amplifier input resistance (ohm). */
  readonly rSink: number;
}

export type CircuitDirection = 'forward' | 'backward';

/** The chains of one tile for one read direction: segment resistances and end resistances. */
export interface Chains {
  readonly rows: number;
  readonly cols: number;
  readonly rRow: number;
  readonly rCol: number;
  /** Extra resistance between a(i,0)'s first segment and the row end (driver forward, sense backward). */
  readonly rowEnd: number;
  /** Extra resistance beyond the last column segment (sense forward, driver backward). */
  readonly colEnd: number;
}

export function chains(rows: number, cols: number, w: WireParams, direction: CircuitDirection): Chains {
  const forward = direction === 'forward';
  for (const [k, v] of Object.entries(w)) {
    if (!(v >= 0) || !Number.isFinite(v)) throw new RangeError(`${k} must be a finite resistance ≥ 0, got ${v}`);
  }
  return { rows, cols, rRow: w.rRow, rCol: w.rCol, rowEnd: forward ? w.rSource : w.rSink, colEnd: forward ? w.rSink : w.rSource };
}

/**
 * Chains factorised for one set of device conductances. Sweeping a chain from its open end, the
 * cells beyond a segment of resistance r form a Norton equivalent (conductance Y, current J); per
 * cell we keep k = 1/(1 + r·Y), which both reduces that equivalent across the segment
 * (Y' = k·Y, J' = k·J) and gives the node voltage back from the end: v = k·v_prev + r·J'.
 */
export class Factored {
  private readonly rowK: Float64Array;
  private readonly colK: Float64Array;

  constructor(readonly c: Chains, readonly g: Float64Array) {
    const { rows: M, cols: N } = c;
    this.rowK = new Float64Array(M * N);
    this.colK = new Float64Array(M * N);
    for (let i = 0; i < M; i++) {
      let y = 0;
      for (let j = N - 1; j >= 0; j--) {
        const k = 1 / (1 + (j === 0 ? c.rRow + c.rowEnd : c.rRow) * (g[i * N + j] + y));
        y = (g[i * N + j] + y) * k;
        this.rowK[i * N + j] = k;
      }
    }
    const y = new Float64Array(N);
    for (let i = 0; i < M; i++) {
      const r = i === M - 1 ? c.rCol + c.colEnd : c.rCol;
      for (let j = 0; j < N; j++) {
        const k = 1 / (1 + r * (g[i * N + j] + y[j]));
        y[j] = (g[i * N + j] + y[j]) * k;
        this.colK[i * N + j] = k;
      }
    }
  }

  /**
   * Row-node voltages a for currents h injected at the row nodes (each node also loaded by its device
   * to 0 V) and row ends held at e (undefined: 0 V); with `scale`, the injection is scale ⊙ h.
   * h and out may be the same array.
   */
  rowSolve(h: Float64Array, e: Float64Array | undefined, out: Float64Array, scale?: Float64Array): Float64Array {
    const { rows: M, cols: N, rRow, rowEnd } = this.c;
    const k = this.rowK;
    for (let i = 0; i < M; i++) {
      const o = i * N;
      let jn = 0;
      if (scale) for (let j = N - 1; j >= 0; j--) out[o + j] = jn = (scale[o + j] * h[o + j] + jn) * k[o + j];
      else for (let j = N - 1; j >= 0; j--) out[o + j] = jn = (h[o + j] + jn) * k[o + j];
      let v = (e ? e[i] : 0) * k[o] + (rRow + rowEnd) * out[o];
      out[o] = v;
      for (let j = 1; j < N; j++) out[o + j] = v = k[o + j] * v + rRow * out[o + j];
    }
    return out;
  }

  /** Column-node voltages b for injected currents h and column ends held at e (undefined: 0 V). */
  colSolve(h: Float64Array, e: Float64Array | undefined, out: Float64Array): Float64Array {
    const { rows: M, cols: N, rCol, colEnd } = this.c;
    const k = this.colK;
    for (let j = 0; j < N; j++) out[j] = h[j] * k[j];
    for (let i = 1; i < M; i++) {
      const o = i * N;
      for (let j = 0; j < N; j++) out[o + j] = (h[o + j] + out[o - N + j]) * k[o + j];
    }
    const last = (M - 1) * N;
    const r = rCol + colEnd;
    for (let j = 0; j < N; j++) out[last + j] = (e ? e[j] : 0) * k[last + j] + r * out[last + j];
    for (let i = M - 2; i >= 0; i--) {
      const o = i * N;
      for (let j = 0; j < N; j++) out[o + j] = k[o + j] * out[o + N + j] + rCol * out[o + j];
    }
    return out;
  }
}

/** Node voltages of one solve. */
export interface Nodes {
  readonly a: Float64Array;
  readonly b: Float64Array;
}

/** Scratch arrays for `solveLinear`, reusable across right-hand sides of one tile size. */
export class Workspace {
  readonly x: Float64Array;
  readonly r: Float64Array;
  readonly z: Float64Array;
  readonly p: Float64Array;
  readonly q: Float64Array;
  readonly t: Float64Array;
  constructor(readonly n: number) {
    [this.x, this.r, this.z, this.p, this.q, this.t] = Array.from({ length: 6 }, () => new Float64Array(n));
  }
}

const TOLERANCE = 1e-15;

/**
 * Exact node voltages of the tile for devices of conductance f.g carrying, in addition, offset
 * currents c (a→b; undefined: none), row ends held at ea and column ends at eb (undefined: 0 V).
 * Writes b into `ws.x` and returns fresh a and b arrays.
 */
export function solveLinear(f: Factored, c: Float64Array | undefined, ea: Float64Array | undefined, eb: Float64Array | undefined, ws: Workspace): Nodes {
  const { g } = f;
  const n = g.length;
  const { x, r, z, p, q, t } = ws;
  // b0 = A_b⁻¹·(G·a0 + c), a0 the rows with the columns at 0 V: one block Gauss–Seidel step.
  for (let k = 0; k < n; k++) t[k] = c ? -c[k] : 0;
  f.rowSolve(t, ea, t);
  for (let k = 0; k < n; k++) t[k] = g[k] * t[k] + (c ? c[k] : 0);
  f.colSolve(t, eb, x);
  // r0 = f − S·b0 = G·A_a⁻¹·G·b0 (the source terms cancel).
  f.rowSolve(x, undefined, t, g);
  for (let k = 0; k < n; k++) r[k] = q[k] = g[k] * t[k];
  f.colSolve(r, undefined, z);
  p.set(z);
  let rz = dot(r, z);
  const maxIterations = 4 * (f.c.rows + f.c.cols) + 100;
  for (let it = 0; it < maxIterations && rz > 0; it++) {
    f.rowSolve(p, undefined, t, g);
    let pSp = 0;
    for (let k = 0; k < n; k++) {
      t[k] = q[k] - g[k] * t[k]; // S·p
      pSp += p[k] * t[k];
    }
    if (!(pSp > 0)) break;
    const alpha = rz / pSp;
    let step = 0;
    let size = 0;
    for (let k = 0; k < n; k++) {
      const dx = alpha * p[k];
      const xk = (x[k] += dx);
      r[k] -= alpha * t[k];
      step += dx * dx;
      size += xk * xk;
    }
    // Stop when the update no longer changes b in the last digits (the recursive residual keeps
    // falling below rounding, so this criterion is reached even when b is tiny).
    if (step <= TOLERANCE * TOLERANCE * size) break;
    f.colSolve(r, undefined, z);
    const rzNext = dot(r, z);
    const beta = rzNext / rz;
    rz = rzNext;
    for (let k = 0; k < n; k++) {
      p[k] = z[k] + beta * p[k];
      q[k] = r[k] + beta * q[k];
    }
  }
  const b = x.slice();
  const a = new Float64Array(n);
  for (let k = 0; k < n; k++) a[k] = g[k] * b[k] - (c ? c[k] : 0);
  f.rowSolve(a, ea, a);
  return { a, b };
}

function dot(u: Float64Array, v: Float64Array): number {
  let s = 0;
  for (let k = 0; k < u.length; k++) s += u[k] * v[k];
  return s;
}

/**
 * Currents into the sense amplifiers: the column currents forward (length N), the row currents
 * backward (length M), from device currents g·(a − b) + c (each column's devices feed its sink alone).
 */
export function sensedCurrents(c: Chains, g: Float64Array, nodes: Nodes, offset: Float64Array | undefined, direction: CircuitDirection, out?: Float64Array): Float64Array {
  const { rows: M, cols: N } = c;
  const { a, b } = nodes;
  const forward = direction === 'forward';
  const s = out ?? new Float64Array(forward ? N : M);
  s.fill(0);
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      const k = i * N + j;
      const current = g[k] * (a[k] - b[k]) + (offset ? offset[k] : 0);
      if (forward) s[j] += current;
      else s[i] -= current;
    }
  }
  return s;
}

/** End voltages for one input vector: row ends forward (column ends at 0 V), column ends backward. */
export function ends(c: Chains, direction: CircuitDirection, v: Float64Array): { ea?: Float64Array; eb?: Float64Array } {
  const want = direction === 'forward' ? c.rows : c.cols;
  if (v.length !== want) throw new RangeError(`expected ${want} drive voltages for a ${direction} read of a ${c.rows}×${c.cols} tile, got ${v.length}`);
  return direction === 'forward' ? { ea: v } : { eb: v };
}
